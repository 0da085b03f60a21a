package dev.pgmanager.fork;

import dev.pgmanager.config.ValueParsers;
import dev.pgmanager.store.StoreException;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import dev.pgmanager.store.zookeeper.ZooKeeperStoreSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.zookeeper.KeeperException;

/**
 * What every fork checks before it copies anything, whether it forks a local cluster or one reached through its
 * store: the new cluster's name and the directory the copy goes to. Each check throws
 * {@link IllegalArgumentException} (the operator's input is wrong; nothing was changed).
 */
public final class ForkChecks {
    private ForkChecks() {}

    /**
     * {@code name} is a valid cluster name, not the source's, and names no cluster in the source's store (a fork is a
     * new, independent cluster: sharing a store path with another would mix their leases and members).
     *
     * @param storeSecret the secret the new cluster's znodes would be guarded with, when known
     */
    public static void requireNewName(String name, String sourceName, String storeConnect, Optional<String> storeSecret) {
        try {
            ValueParsers.appName(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--cluster '" + name + "' is not a valid cluster name: use 1 to 63 "
                    + "lower-case letters, digits or '-'");
        }
        if (name.equals(sourceName)) {
            throw new IllegalArgumentException("--cluster " + name + " is the name of the cluster being forked: "
                    + "the fork is a new, independent cluster and needs a name of its own");
        }
        if (existsInStore(storeConnect, name, storeSecret)) {
            throw new IllegalArgumentException("a cluster named " + name + " already exists in the store at "
                    + storeConnect + ": choose another name");
        }
    }

    /** {@code dir} (given with {@code option}) is missing or an empty directory: the copy never lands on anything. */
    public static void requireEmptyDirectory(Path dir, String option) throws IOException {
        if (!Files.exists(dir)) return;
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException(option + " " + dir + " is a file, not a directory");
        try (Stream<Path> entries = Files.list(dir)) {
            if (entries.findAny().isPresent()) {
                throw new IllegalArgumentException(option + " " + dir + " is not empty: the fork needs a new or empty "
                        + "directory (nothing in it was touched)");
            }
        }
    }

    /**
     * Whether the store holds a cluster of that name (a store that is down holds none we could clash with). A cluster
     * whose znodes refuse us (another secret guards them) exists too. Asking creates nothing: the name stays free for
     * whoever takes it, with the secret its members use.
     */
    private static boolean existsInStore(String storeConnect, String name, Optional<String> secret) {
        try {
            return ZooKeeperClusterStore.readIfPresent(ZooKeeperStoreSettings.of(storeConnect, name).withSecret(secret)
                            .withStartupWait(Duration.ofSeconds(5)))
                    .map(snapshot -> snapshot.identity().isPresent() || !snapshot.members().isEmpty() || snapshot.lastEpoch() > 0)
                    .orElse(false);
        } catch (StoreException e) {
            return e.getCause() instanceof KeeperException.NoAuthException;
        }
    }
}
