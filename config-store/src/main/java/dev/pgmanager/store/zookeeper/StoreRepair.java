package dev.pgmanager.store.zookeeper;

import dev.pgmanager.store.ClusterIdentity;
import dev.pgmanager.store.ClusterSpec;
import dev.pgmanager.store.CorruptRecordException;
import dev.pgmanager.store.HandoverRequest;
import dev.pgmanager.store.HistoryEntry;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.SyncState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.LongStream;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * Finds the records of one cluster that cannot be read and, unless asked for a dry run, copies each aside (under
 * {@code <root>/repaired/}) and removes it, or rewrites it where the cluster cannot do without it (the epoch counter).
 * A removed record is one the cluster writes again by itself or can do without; each remedy says which.
 */
final class StoreRepair {
    private final CuratorFramework client;
    private final ClusterLayout layout;
    private final RecordCodec codec;
    private final Instant now;

    StoreRepair(CuratorFramework client, ClusterLayout layout, RecordCodec codec, Instant now) {
        this.client = client;
        this.layout = layout;
        this.codec = codec;
        this.now = now;
    }

    List<RecordRepair> repair(boolean dryRun) throws Exception {
        List<RecordRepair> repairs = new ArrayList<>();
        checkSpec(dryRun).ifPresent(repairs::add);
        // Without an identity a member with no data may initialize a new, empty cluster: never removed here.
        report(layout.identity(), ClusterIdentity.class, "left as it is: without it a member with no data could start a new, "
                + "empty cluster; write it again by hand from the data's system identifier (pg_controldata)").ifPresent(repairs::add);
        for (String name : children(layout.members())) {
            String path = layout.members() + "/" + name;
            check(path, Member.class, "removed: that member's sidecar writes it again on its next pass", dryRun)
                    .ifPresent(repairs::add);
        }
        check(layout.leader(), Leader.class, "removed: the member that held it stops writes, since it can no longer confirm "
                + "its lease, and a leader is elected", dryRun).ifPresent(repairs::add);
        checkEpoch(dryRun).ifPresent(repairs::add);
        // Gone, it would no longer stop a failover to a member without every acknowledged write; the leader rewrites it.
        report(layout.sync(), SyncState.class, "left as it is: the leader writes it again on its next pass; without a leader, "
                + "in synchronous mode, nobody is promoted until an operator chooses (pgmanager failover --to ID --force)")
                .ifPresent(repairs::add);
        for (String name : children(layout.history())) {
            check(layout.history() + "/" + name, HistoryEntry.class, "removed from the history", dryRun).ifPresent(repairs::add);
        }
        check(layout.handover(), HandoverRequest.class, "removed: file the switchover or failover again", dryRun)
                .ifPresent(repairs::add);
        return repairs;
    }

    private <T extends Record> Optional<RecordRepair> check(String path, Class<T> type, String remedy, boolean dryRun) throws Exception {
        Stat stat = new Stat();
        byte[] data = read(path, stat);
        if (data == null) return Optional.empty();
        Optional<String> problem = problem(path, data, type);
        if (problem.isEmpty()) return Optional.empty();
        if (dryRun) return Optional.of(new RecordRepair(path, problem.get(), "would be " + remedy, Optional.empty()));
        String kept = keepCopy(path, data);
        try {
            client.delete().withVersion(stat.getVersion()).forPath(path);
        } catch (KeeperException.NoNodeException | KeeperException.BadVersionException changed) {
            return Optional.of(new RecordRepair(path, problem.get(), "left as it is: it changed while being repaired (run the "
                    + "repair again)", Optional.of(kept)));
        }
        return Optional.of(new RecordRepair(path, problem.get(), remedy, Optional.of(kept)));
    }

    /** An unreadable record this repair leaves alone, with why. */
    private <T extends Record> Optional<RecordRepair> report(String path, Class<T> type, String remedy) throws Exception {
        byte[] data = read(path, new Stat());
        if (data == null) return Optional.empty();
        return problem(path, data, type).map(problem -> new RecordRepair(path, problem, remedy, Optional.empty()));
    }

    /**
     * An unreadable spec is rewritten as the defaults, paused: whatever the lost one said (paused for maintenance, a
     * lag limit), the cluster must not act on settings nobody chose, and the operator resumes once they are set again.
     */
    private Optional<RecordRepair> checkSpec(boolean dryRun) throws Exception {
        Stat stat = new Stat();
        byte[] data = read(layout.spec(), stat);
        if (data == null) return Optional.empty();
        Optional<String> problem = problem(layout.spec(), data, ClusterSpec.class);
        if (problem.isEmpty()) return Optional.empty();
        String remedy = "rewritten as the defaults, paused: set your settings again, then pgmanager resume";
        if (dryRun) return Optional.of(new RecordRepair(layout.spec(), problem.get(), "would be " + remedy, Optional.empty()));
        String kept = keepCopy(layout.spec(), data);
        client.setData().withVersion(stat.getVersion()).forPath(layout.spec(), codec.encode(ClusterSpec.defaults().withPaused(true)));
        return Optional.of(new RecordRepair(layout.spec(), problem.get(), remedy, Optional.of(kept)));
    }

    /** The epoch counter cannot just go: leases must get higher epochs than any before, so it is rewritten. */
    private Optional<RecordRepair> checkEpoch(boolean dryRun) throws Exception {
        Stat stat = new Stat();
        byte[] data = read(layout.epoch(), stat);
        if (data == null) return Optional.empty();
        Optional<String> problem = problem(layout.epoch(), data, EpochCounter.class);
        if (problem.isEmpty()) return Optional.empty();
        // Every lease rewrites the counter, so its znode version bounds the epochs handed out, even ones no record names.
        long highest = Math.max(highestKnownEpoch(), stat.getVersion() + 1L);
        String remedy = "rewritten as " + highest + ", at least the highest epoch handed out";
        if (dryRun) return Optional.of(new RecordRepair(layout.epoch(), problem.get(), "would be " + remedy, Optional.empty()));
        String kept = keepCopy(layout.epoch(), data);
        client.setData().withVersion(stat.getVersion()).forPath(layout.epoch(), codec.encode(new EpochCounter(highest)));
        return Optional.of(new RecordRepair(layout.epoch(), problem.get(), remedy, Optional.of(kept)));
    }

    private long highestKnownEpoch() throws Exception {
        LongStream.Builder epochs = LongStream.builder();
        readable(layout.leader(), Leader.class).ifPresent(l -> epochs.add(l.epoch()));
        readable(layout.sync(), SyncState.class).ifPresent(s -> epochs.add(s.epoch()));
        for (String name : children(layout.history())) {
            readable(layout.history() + "/" + name, HistoryEntry.class).ifPresent(e -> epochs.add(e.epoch()));
        }
        OptionalLong highest = epochs.build().max();
        return highest.orElse(0);
    }

    private <T extends Record> Optional<T> readable(String path, Class<T> type) throws Exception {
        byte[] data = read(path, new Stat());
        if (data == null) return Optional.empty();
        try {
            return Optional.of(codec.decode(path, data, type));
        } catch (CorruptRecordException e) {
            return Optional.empty();
        }
    }

    /** Why the record cannot be read, or empty when it can; a member's record must also be filed under its own ID. */
    private <T extends Record> Optional<String> problem(String path, byte[] data, Class<T> type) {
        try {
            T value = codec.decode(path, data, type);
            if (value instanceof Member m && !path.endsWith("/" + m.machineId())) {
                return Optional.of("the record is for machine " + m.machineId() + " but is filed at " + path);
            }
            return Optional.empty();
        } catch (CorruptRecordException e) {
            return Optional.of(e.getMessage());
        }
    }

    private String keepCopy(String path, byte[] data) throws Exception {
        String name = path.substring(layout.root().length() + 1).replace('/', '_') + "@" + now.toEpochMilli();
        String copy = layout.repaired() + "/" + name;
        client.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT).forPath(copy, data);
        return copy;
    }

    private byte[] read(String path, Stat stat) throws Exception {
        try {
            return client.getData().storingStatIn(stat).forPath(path);
        } catch (KeeperException.NoNodeException absent) {
            return null;
        }
    }

    private List<String> children(String path) throws Exception {
        try {
            return client.getChildren().forPath(path).stream().sorted().toList();
        } catch (KeeperException.NoNodeException none) {
            return List.of();
        }
    }
}
