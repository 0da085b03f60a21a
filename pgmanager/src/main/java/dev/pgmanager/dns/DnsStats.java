package dev.pgmanager.dns;

/**
 * Counters since the resolver started.
 *
 * @param lookups queries sent to DNS (answers served from the cache are not counted)
 * @param failures lookups that got no usable answer: timeout, error rcode, NXDOMAIN, no records
 * @param addressChanges answers that differed from the previous answer for the same machine ID
 */
public record DnsStats(long lookups, long failures, long addressChanges) {}
