package dev.pgmanager.store.zookeeper;

import dev.pgmanager.store.ClusterIdentity;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.ClusterSpec;
import dev.pgmanager.store.CorruptRecordException;
import dev.pgmanager.store.HandoverRequest;
import dev.pgmanager.store.HistoryEntry;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.SyncState;
import dev.pgmanager.store.UnreadableRecord;
import dev.pgmanager.store.UnreadableRecord.Owner;
import dev.pgmanager.store.UnreadableRecord.Part;
import dev.pgmanager.store.Versioned;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.curator.RetryLoop;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.data.Stat;

/**
 * Reads a cluster's records in two multi-reads, each answered by the server at one point of its history: the fixed
 * records with the lists of members and history entries, then what those lists name. Every control-loop pass reads
 * the cluster, so this is the store's hot path: one record at a time it took a round trip each (a dozen, and up to
 * 200 more for the history), now it takes two. History entries never change once written, so those already decoded
 * are kept and only new ones are read.
 *
 * <p>Safe for use from several threads.
 */
final class SnapshotReader {
    /** Operations per multi-read, so that a first read of a long history stays well under ZooKeeper's packet limit. */
    private static final int OPS_PER_READ = 100;

    private final CuratorFramework client;
    private final ClusterLayout layout;
    private final RecordCodec codec;
    private final Map<String, HistoryEntry> historyByName = new ConcurrentHashMap<>();

    SnapshotReader(CuratorFramework client, ClusterLayout layout, RecordCodec codec) {
        this.client = client;
        this.layout = layout;
        this.codec = codec;
    }

    /**
     * The snapshot, with {@code lastReadSpec} standing in for a spec that exists but cannot be read.
     *
     * @param historyLimit the newest entries of the history to include
     */
    ClusterSnapshot read(String clusterName, Optional<Versioned<ClusterSpec>> lastReadSpec, int historyLimit) throws Exception {
        var unreadable = new ArrayList<UnreadableRecord>();
        List<OpResult> fixed = multiRead(List.of(Op.getData(layout.spec()), Op.getData(layout.identity()),
                Op.getData(layout.leader()), Op.getData(layout.epoch()), Op.getData(layout.sync()), Op.getData(layout.handover()),
                Op.getChildren(layout.members()), Op.getChildren(layout.history())));
        var spec = contained(layout.spec(), fixed.get(0), ClusterSpec.class, Part.SPEC, unreadable)
                .map(stored -> new Versioned<>(stored.value(), stored.stat().getVersion()))
                .orElseGet(() -> unreadable.isEmpty() || lastReadSpec.isEmpty()
                        ? new Versioned<>(ClusterSpec.defaults(), Versioned.ABSENT) : lastReadSpec.get());
        // Without the identity or the epoch nothing can be decided safely: unreadable, they fail the read.
        var identity = required(layout.identity(), fixed.get(1), ClusterIdentity.class);
        var leader = contained(layout.leader(), fixed.get(2), Leader.class, Part.LEADER, unreadable).map(Stored::value);
        long lastEpoch = required(layout.epoch(), fixed.get(3), EpochCounter.class).map(EpochCounter::epoch).orElse(0L);
        var sync = contained(layout.sync(), fixed.get(4), SyncState.class, Part.SYNC, unreadable).map(Stored::value);
        var handover = contained(layout.handover(), fixed.get(5), HandoverRequest.class, Part.HANDOVER, unreadable).map(Stored::value);

        List<String> memberIds = children(layout.members(), fixed.get(6));
        List<String> historyNames = children(layout.history(), fixed.get(7)).stream()
                .filter(name -> name.startsWith(ClusterLayout.HISTORY_PREFIX)).sorted().toList();
        historyNames = historyNames.subList(Math.max(0, historyNames.size() - historyLimit), historyNames.size());
        historyByName.keySet().retainAll(historyNames);
        List<String> newHistory = historyNames.stream().filter(name -> !historyByName.containsKey(name)).toList();

        var paths = new ArrayList<String>();
        memberIds.forEach(id -> paths.add(layout.members() + "/" + id));
        newHistory.forEach(name -> paths.add(layout.history() + "/" + name));
        List<OpResult> named = multiRead(paths.stream().map(Op::getData).toList());

        var members = new TreeMap<String, Member>();
        for (int i = 0; i < memberIds.size(); i++) {
            member(memberIds.get(i), named.get(i), unreadable).ifPresent(m -> members.put(m.machineId(), m));
        }
        for (int i = 0; i < newHistory.size(); i++) {
            String name = newHistory.get(i);
            // absent: trimmed since listed; an unreadable entry is read (and reported) again next time
            contained(layout.history() + "/" + name, named.get(memberIds.size() + i), HistoryEntry.class, Part.HISTORY, unreadable)
                    .ifPresent(stored -> historyByName.put(name, stored.value()));
        }
        List<HistoryEntry> history = historyNames.stream().map(historyByName::get).filter(e -> e != null).toList();
        return new ClusterSnapshot(clusterName, spec, identity, members, leader, lastEpoch, sync, history, handover, unreadable);
    }

    /** A member's record, when still there (its session may have ended since it was listed) and filed under its own ID. */
    private Optional<Member> member(String machineId, OpResult result, List<UnreadableRecord> unreadable) throws Exception {
        String path = layout.members() + "/" + machineId;
        Optional<Stored<Member>> stored = contained(path, result, Member.class, Part.MEMBER, unreadable);
        if (stored.isEmpty() || stored.get().value().machineId().equals(machineId)) return stored.map(Stored::value);
        var misfiled = new CorruptRecordException(path, "the record is for machine " + stored.get().value().machineId()
                + " but is filed under " + machineId, null);
        unreadable.add(unreadable(Part.MEMBER, misfiled, stored.get().stat()));
        return Optional.empty();
    }

    /** The results of read-only operations, in their order, from one request (split when there are many). */
    private List<OpResult> multiRead(List<Op> ops) throws Exception {
        var results = new ArrayList<OpResult>(ops.size());
        for (int from = 0; from < ops.size(); from += OPS_PER_READ) {
            List<Op> chunk = ops.subList(from, Math.min(ops.size(), from + OPS_PER_READ));
            results.addAll(RetryLoop.callWithRetry(client.getZookeeperClient(), () -> client.getZookeeperClient().getZooKeeper().multi(chunk)));
        }
        return results;
    }

    private <T extends Record> Optional<Stored<T>> contained(String path, OpResult result, Class<T> type, Part part,
            List<UnreadableRecord> unreadable) throws Exception {
        Optional<Data> data = data(path, result);
        if (data.isEmpty()) return Optional.empty();
        try {
            return Optional.of(new Stored<>(codec.decode(path, data.get().bytes(), type), data.get().stat()));
        } catch (CorruptRecordException e) {
            unreadable.add(unreadable(part, e, data.get().stat()));
            return Optional.empty();
        }
    }

    private <T extends Record> Optional<T> required(String path, OpResult result, Class<T> type) throws Exception {
        Optional<Data> data = data(path, result);
        return data.isEmpty() ? Optional.empty() : Optional.of(codec.decode(path, data.get().bytes(), type));
    }

    /** The node's data, empty when it does not exist; any other error is thrown as the KeeperException it is. */
    private static Optional<Data> data(String path, OpResult result) throws KeeperException {
        return switch (result) {
            case OpResult.GetDataResult found -> Optional.of(new Data(found.getData() == null ? new byte[0] : found.getData(), found.getStat()));
            case OpResult.ErrorResult error when error.getErr() == Code.NONODE.intValue() -> Optional.empty();
            case OpResult.ErrorResult error -> throw KeeperException.create(Code.get(error.getErr()), path);
            default -> throw new IllegalStateException("a read of " + path + " answered " + result.getClass().getSimpleName());
        };
    }

    private static List<String> children(String path, OpResult result) throws KeeperException {
        return switch (result) {
            case OpResult.GetChildrenResult found -> found.getChildren();
            case OpResult.ErrorResult error when error.getErr() == Code.NONODE.intValue() -> List.of();
            case OpResult.ErrorResult error -> throw KeeperException.create(Code.get(error.getErr()), path);
            default -> throw new IllegalStateException("a listing of " + path + " answered " + result.getClass().getSimpleName());
        };
    }

    /** What the snapshot says of a record that cannot be decoded, and whose it is. */
    private UnreadableRecord unreadable(Part part, CorruptRecordException e, Stat stat) throws Exception {
        long owner = stat.getEphemeralOwner();
        long session = client.getZookeeperClient().getZooKeeper().getSessionId();
        Owner whose = owner == 0 ? Owner.NONE : owner == session ? Owner.THIS_SESSION : Owner.ANOTHER_SESSION;
        return new UnreadableRecord(part, e.location(), e.getMessage(), whose);
    }

    private record Data(byte[] bytes, Stat stat) {}

    private record Stored<T>(T value, Stat stat) {}
}
