package dev.pgmanager.dns;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;

/** Asks the configured DNS servers one question, within a deadline, and accepts nothing but a NOERROR answer. */
final class DnsClient {
    /**
     * Where dnsjava finishes each exchange (reads the reply, retries over TCP when it was truncated). dnsjava's own
     * choice is the JVM's common fork-join pool, which has a single worker on a machine of one or two CPUs: whatever
     * blocks that worker (a parallel stream doing network I/O) would make every lookup in the process time out,
     * ZooKeeper's lookups of its peers among them. A virtual thread per reply waits for no one.
     */
    private static final Executor REPLIES = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("dns-reply-", 0).factory());

    private final Resolver resolver;

    DnsClient(List<InetSocketAddress> servers, Duration timeout) {
        this.resolver = resolverFor(servers.isEmpty() ? ResolverConfig.getCurrentConfig().servers() : servers, timeout);
    }

    /**
     * The answer's records of the asked type: empty when the name exists but has none of that type.
     *
     * @param deadlineNanos a {@link System#nanoTime()} instant after which waiting is pointless
     */
    List<Record> ask(Name name, int type, long deadlineNanos) throws DnsLookupException {
        long remaining = deadlineNanos - System.nanoTime();
        if (remaining <= 0) {
            throw new DnsLookupException("out of time before asking");
        }
        Message query = Message.newQuery(Record.newRecord(name, type, DClass.IN));
        CompletableFuture<Message> pending = resolver.sendAsync(query, REPLIES).toCompletableFuture();
        Message response;
        try {
            // our own bound, whatever dnsjava's retries would do: the control loop must not stall on DNS
            response = pending.get(remaining, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            pending.cancel(false);
            throw new DnsLookupException("no answer in time");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new DnsLookupException(cause.getMessage() == null ? cause.toString() : cause.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DnsLookupException("interrupted");
        }
        int rcode = response.getRcode();
        if (rcode != Rcode.NOERROR) {
            throw new DnsLookupException(Rcode.string(rcode));
        }
        return response.getSection(Section.ANSWER).stream().filter(r -> r.getType() == type).toList();
    }

    private static Resolver resolverFor(List<InetSocketAddress> servers, Duration timeout) {
        if (servers.isEmpty()) {
            throw new IllegalStateException("no DNS server configured, and none found in the system configuration");
        }
        if (servers.size() == 1) {
            return simpleResolver(servers.getFirst(), timeout);
        }
        // an equal share each, so that a dead first server leaves time to ask the next one
        Duration share = timeout.dividedBy(servers.size());
        ExtendedResolver failover = new ExtendedResolver(
                servers.stream().map(server -> (Resolver) simpleResolver(server, share)).toList());
        failover.setTimeout(timeout);
        failover.setRetries(1);
        return failover;
    }

    private static SimpleResolver simpleResolver(InetSocketAddress server, Duration timeout) {
        SimpleResolver simple = new SimpleResolver(server);
        simple.setTimeout(timeout);
        return simple;
    }
}
