package dev.pgmanager.dns;

/** DNS gave no usable answer; the message says why in a few words ("SERVFAIL", "no answer within 1000 ms"). */
final class DnsLookupException extends Exception {

    DnsLookupException(String reason) {
        // an expected outcome, logged as one line: the stack trace would say nothing
        super(reason, null, false, false);
    }
}
