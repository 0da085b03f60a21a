package dev.pgmanager.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How to reach the cluster store.
 *
 * @param mode           {@link StoreMode#EXTERNAL} (a ZooKeeper ensemble run elsewhere) or {@link StoreMode#ENSEMBLE}
 *                       (peers inside the first members' sidecars)
 * @param connect        in external mode, the ZooKeeper connect string {@code host:port[,host:port...][/chroot]}
 * @param sessionTimeout the ZooKeeper session length, which is also the leader lease's length
 * @param connectTimeout how long start-up waits for the store before giving up
 * @param auth           the secret of the digest ACL over the cluster's znodes (see {@link StoreSecret})
 * @param ensemble       the peers' settings, used in ensemble mode
 */
public record StoreConfig(StoreMode mode, Optional<String> connect, Duration sessionTimeout, Duration connectTimeout,
                          String auth, Ensemble ensemble) {
    /**
     * The lease's length unless configured: a crashed primary's lease ends this long after its last word, so a crash
     * failover takes it plus about 150 ms ({@code bench failover}: 1.7-1.8 s); a primary fences itself half of it after
     * its last confirmation (a store that does not answer for 800 ms), so it also sets the stall a loaded machine may
     * cause without a false failover (see the README's Timings for why 1.6 s, and when to choose more).
     */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofMillis(1600);
    /** {@link #DEFAULT_SESSION_TIMEOUT} as the configuration and the commands' help write it (a test checks they agree). */
    public static final String DEFAULT_SESSION_TIMEOUT_TEXT = "1600ms";
    /** The shortest session timeout a member accepts (whole seconds, as {@code ConfigOptions} says them). */
    public static final Duration MIN_SESSION_TIMEOUT = Duration.ofSeconds(1);
    /** The longest session timeout a member accepts (whole seconds). */
    public static final Duration MAX_SESSION_TIMEOUT = Duration.ofSeconds(60);

    public StoreConfig {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(connect, "connect");
        Objects.requireNonNull(sessionTimeout, "sessionTimeout");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(ensemble, "ensemble");
        if (mode == StoreMode.EXTERNAL && connect.isEmpty()) throw new IllegalArgumentException("external mode needs a connect string");
    }

    /** An external store at {@code connect}, the ensemble settings at their defaults. */
    public StoreConfig(String connect, Duration sessionTimeout, Duration connectTimeout, String auth) {
        this(StoreMode.EXTERNAL, Optional.of(connect), sessionTimeout, connectTimeout, auth, Ensemble.DEFAULTS);
    }

    @Override
    public String toString() {
        return "StoreConfig[mode=" + mode + ", connect=" + connect + ", sessionTimeout=" + sessionTimeout + ", connectTimeout="
                + connectTimeout + ", auth=" + Secrets.MASK + ", ensemble=" + ensemble + "]";
    }

    public enum StoreMode { EXTERNAL, ENSEMBLE }

    /**
     * The ZooKeeper peers of ensemble mode; every member uses the same ports (each machine has its own address).
     *
     * @param size         how many members run a peer: 3 or 5 (tolerating 1 or 2 lost peers)
     * @param clientPort   where a peer serves clients
     * @param quorumPort   where the leading peer talks to its followers
     * @param electionPort where peers elect a leader
     * @param dataDir      the peer's snapshots, transaction log and peer list, on the machine's volume
     */
    public record Ensemble(int size, int clientPort, int quorumPort, int electionPort, Path dataDir) {
        public static final Ensemble DEFAULTS = new Ensemble(3, 2181, 2888, 3888, Path.of("/data/zookeeper"));

        public Ensemble {
            Objects.requireNonNull(dataDir, "dataDir");
        }
    }
}
