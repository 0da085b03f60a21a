package dev.pgmanager.dns;

import dev.pgmanager.net.AddressText;
import dev.pgmanager.net.MachineId;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Resolves members through DNS with dnsjava, trusting each answer for min(record TTL, maxCacheTtl) and no longer.
 * When DNS fails, the last good answer is still served for staleGrace past its expiry: a short DNS outage should
 * not make a healthy peer look gone, and a long one must not keep a stale address alive. Safe to call from several
 * threads; concurrent callers for the same member share one lookup.
 */
public final class DnsAddressResolver implements AddressResolver {

    private static final Logger log = LoggerFactory.getLogger(DnsAddressResolver.class);

    private final DnsSettings settings;
    private final DnsClient client;
    private final List<Integer> addressTypes;
    private final Name membersName;
    private final FailureIncident discoveryIncident;
    private final ConcurrentMap<MachineId, MemberAddress> members = new ConcurrentHashMap<>();
    private final LongAdder lookups = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder addressChanges = new LongAdder();

    public DnsAddressResolver(DnsSettings settings) {
        this.settings = settings;
        this.client = new DnsClient(settings.servers(), settings.timeout());
        this.addressTypes = settings.preferIpv6() ? List.of(Type.AAAA, Type.A) : List.of(Type.A, Type.AAAA);
        this.membersName = absoluteName(settings.membersName());
        this.discoveryIncident = new FailureIncident(log, settings.membersName());
    }

    @Override
    public Optional<InetAddress> resolve(MachineId machineId) {
        Name name = absoluteName(settings.hostnameOf(machineId));
        MemberAddress member = members.computeIfAbsent(machineId, id -> new MemberAddress(id, name));
        synchronized (member) {
            return member.current();
        }
    }

    /** The app's machines from Fly's {@code vms.<app>.internal} TXT record; empty when DNS gives no list. */
    public List<DiscoveredMember> discoverMembers() {
        lookups.increment();
        try {
            List<Record> records = client.ask(membersName, Type.TXT, deadline());
            if (records.isEmpty()) {
                throw new DnsLookupException("no TXT record");
            }
            discoveryIncident.succeeded();
            return FlyMemberList.parse(records.stream().map(TXTRecord.class::cast).toList());
        } catch (DnsLookupException e) {
            failures.increment();
            discoveryIncident.failed(e.getMessage(), "no members discovered");
            return List.of();
        }
    }

    /**
     * The private addresses of every machine of the organization, from Fly's {@code _instances.internal} TXT record
     * (entries such as {@code instance=<id>,app=<app>,ip=<address>,region=<region>}); empty when DNS gives no list,
     * so that a caller deciding on it refuses rather than guesses.
     */
    public Optional<java.util.Set<InetAddress>> organizationMachineAddresses() {
        lookups.increment();
        try {
            List<Record> records = client.ask(absoluteName(INSTANCES_NAME), Type.TXT, deadline());
            if (records.isEmpty()) throw new DnsLookupException("no TXT record");
            return Optional.of(FlyMemberList.instanceAddresses(records.stream().map(TXTRecord.class::cast).toList()));
        } catch (DnsLookupException e) {
            failures.increment();
            log.warn("the organization's machines are unknown ({} {}): {}", INSTANCES_NAME, "TXT", e.getMessage());
            return Optional.empty();
        }
    }

    /** Fly's list of every machine of the organization, as seen from any of them. */
    public static final String INSTANCES_NAME = "_instances.internal";

    public DnsStats stats() {
        return new DnsStats(lookups.sum(), failures.sum(), addressChanges.sum());
    }

    private long deadline() {
        return System.nanoTime() + settings.timeout().toNanos();
    }

    private static Name absoluteName(String text) {
        try {
            return Name.fromString(text, Name.root);
        } catch (TextParseException e) {
            throw new IllegalArgumentException("not a valid DNS name: " + text, e);
        }
    }

    /** What is known of one member's address; guarded by its own monitor. */
    private final class MemberAddress {

        private final MachineId machineId;
        private final Name name;
        private final FailureIncident incident;
        private InetAddress lastGood;
        private long freshUntilNanos;
        private long staleUntilNanos;

        MemberAddress(MachineId machineId, Name name) {
            this.machineId = machineId;
            this.name = name;
            this.incident = new FailureIncident(log, name.toString(true));
        }

        Optional<InetAddress> current() {
            long askedAt = System.nanoTime();
            if (lastGood != null && askedAt - freshUntilNanos < 0) {
                return Optional.of(lastGood);
            }
            lookups.increment();
            try {
                Answer answer = lookUp(askedAt + settings.timeout().toNanos());
                accept(answer, askedAt);
                return Optional.of(answer.address());
            } catch (DnsLookupException e) {
                failures.increment();
                return fallBack(e.getMessage());
            }
        }

        private Answer lookUp(long deadlineNanos) throws DnsLookupException {
            for (int type : addressTypes) {
                List<Record> records = client.ask(name, type, deadlineNanos);
                if (!records.isEmpty()) {
                    return Answer.of(records);
                }
            }
            throw new DnsLookupException("no AAAA or A record");
        }

        private void accept(Answer answer, long askedAt) {
            incident.succeeded();
            if (lastGood != null && !lastGood.equals(answer.address())) {
                addressChanges.increment();
                log.info("{} moved: {} -> {}", machineId, AddressText.of(lastGood), AddressText.of(answer.address()));
            }
            lastGood = answer.address();
            // the TTL counts from when we asked, not from when the answer came: never trust it longer than meant
            Duration ttl = answer.ttl();
            Duration cacheFor = ttl.compareTo(settings.maxCacheTtl()) < 0 ? ttl : settings.maxCacheTtl();
            freshUntilNanos = askedAt + cacheFor.toNanos();
            staleUntilNanos = freshUntilNanos + settings.staleGrace().toNanos();
        }

        private Optional<InetAddress> fallBack(String reason) {
            long leftNanos = lastGood == null ? 0 : staleUntilNanos - System.nanoTime();
            if (leftNanos > 0) {
                incident.failed(reason, "serving the last good answer %s for at most %d ms more"
                        .formatted(AddressText.of(lastGood), Duration.ofNanos(leftNanos).toMillis()));
                return Optional.of(lastGood);
            }
            incident.failed(reason, lastGood == null ? "no address known" : "last good answer too old to serve");
            return Optional.empty();
        }
    }

    /** One usable answer: an address and how long its server said it may be reused. */
    private record Answer(InetAddress address, Duration ttl) {

        // several records are unusual for a machine; pick one by value so that a reordered answer is not a move
        static Answer of(List<Record> records) {
            InetAddress address = records.stream()
                    .map(Answer::addressOf)
                    .min(Comparator.comparing(InetAddress::getAddress, Arrays::compareUnsigned))
                    .orElseThrow();
            long ttlSeconds = records.stream().mapToLong(Record::getTTL).min().orElseThrow();
            return new Answer(address, Duration.ofSeconds(ttlSeconds));
        }

        private static InetAddress addressOf(Record record) {
            InetAddress named = switch (record) {
                case AAAARecord aaaa -> aaaa.getAddress();
                case ARecord a -> a.getAddress();
                default -> throw new IllegalArgumentException("not an address record: " + record);
            };
            try {
                // drop the DNS name dnsjava attaches, so the address prints and compares as a bare address
                return InetAddress.getByAddress(named.getAddress());
            } catch (UnknownHostException e) {
                throw new IllegalStateException("dnsjava gave a malformed address", e);
            }
        }
    }
}
