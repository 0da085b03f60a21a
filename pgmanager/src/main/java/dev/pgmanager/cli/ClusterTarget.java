package dev.pgmanager.cli;

import dev.pgmanager.cli.LocalClusterFile;
import dev.pgmanager.config.NetworkSyntax;
import dev.pgmanager.config.ApiToken;
import dev.pgmanager.config.SecretFiles;
import dev.pgmanager.config.StoreSecret;
import dev.pgmanager.config.ValueParsers;
import dev.pgmanager.dns.DnsAddressResolver;
import dev.pgmanager.dns.DnsSettings;
import dev.pgmanager.dns.MachineNameResolverProvider;
import dev.pgmanager.dns.MachineNames;
import dev.pgmanager.ensemble.PeerListFile;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import dev.pgmanager.store.zookeeper.ZooKeeperStoreSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Which cluster an operator command talks to, and how: its store, its name, the secret of its znodes, the DNS that
 * finds its members and the token their APIs want. Each setting is taken from the first of: an option on the command line; the local cluster
 * named with {@code --dir}; the environment; the local cluster in {@value #DEFAULT_DIR}. The default local cluster
 * is left out as soon as a store is named (it is another cluster), so that settings of two clusters never mix.
 */
final class ClusterTarget {
    static final String DEFAULT_DIR = ".pgmanager-local";
    static final Duration STORE_STARTUP_WAIT = Duration.ofSeconds(10);
    static final String TOKEN_SETTINGS = "--token, or the environment variable PGMANAGER_API_TOKEN, else derived from SU_PASSWORD "
            + "(or PGMANAGER_SUPERUSER_PASSWORD) as the members derive it";

    @Option(names = "--dir", paramLabel = "DIR",
            description = "A local cluster's directory (its cluster.json names the store, DNS server and token). "
                    + "Default: " + DEFAULT_DIR + " in the current directory, when it holds a cluster and no store is named.")
    Path dir;

    @Mixin
    StoreOptions reach = new StoreOptions();

    @Option(names = "--cluster", paramLabel = "NAME",
            description = "The cluster (app) name (env FLY_APP_NAME, then PGMANAGER_APP).")
    String cluster;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "The members' API token, for restart and reinit (env PGMANAGER_API_TOKEN, else derived from SU_PASSWORD; "
                    + "a local cluster's token by default).")
    String token;

    private Target resolved;
    private Optional<Local> localSource = Optional.empty();

    /**
     * A target for a command whose own options name it otherwise ({@code fork}: its {@code --cluster} is the new
     * cluster's name): the store and the DNS servers as its options give them, and the cluster (which may be null).
     */
    static ClusterTarget of(StoreOptions reach, String cluster) {
        ClusterTarget target = new ClusterTarget();
        target.reach = reach;
        target.cluster = cluster;
        return target;
    }

    /**
     * Where the commands go, resolved once.
     *
     * @throws IllegalArgumentException when nothing names a cluster, or a setting is malformed
     */
    Target target() {
        if (resolved == null) resolved = resolve();
        return resolved;
    }

    /**
     * Connects to the cluster's store, waiting {@link #STORE_STARTUP_WAIT} at most; the caller closes it. Members'
     * machine-ID names in the connect string (store mode ensemble) resolve through the cluster's DNS.
     */
    ZooKeeperClusterStore openStore() {
        Target target = target();
        MachineNameResolverProvider.install(memberNames());
        return ZooKeeperClusterStore.connect(ZooKeeperStoreSettings.of(target.store(), target.cluster())
                .withSecret(target.storeSecret())
                .withStartupWait(STORE_STARTUP_WAIT));
    }

    /** Members' machine-ID names, answered from the cluster's DNS. */
    MachineNames memberNames() {
        return MachineNames.forTool(DnsSettings.forApp(target().cluster()).withServers(target().dnsServers()), addresses());
    }

    /** Looks members up as the sidecars do, in the cluster's DNS, at the moment of asking. */
    DnsAddressResolver addresses() {
        Target target = target();
        return new DnsAddressResolver(DnsSettings.forApp(target.cluster()).withServers(target.dnsServers()));
    }

    /**
     * The settings a command runs with.
     *
     * @param tokenSource where the token came from, or that none was given, for the message when a member refuses it
     * @param storeSecret the secret of the digest ACL over the cluster's znodes, when one was found
     */
    record Target(String store, String cluster, List<InetSocketAddress> dnsServers, Optional<String> token, String tokenSource,
                  Optional<String> storeSecret) {
        @Override
        public String toString() {
            return "Target[store=" + store + ", cluster=" + cluster + ", dnsServers=" + dnsServers + ", token="
                    + token.map(t -> "(hidden)").orElse("none") + ", storeSecret=" + storeSecret.map(t -> "(hidden)").orElse("none") + "]";
        }
    }

    /** The local cluster the store was found through, if it was (its file lists the members and their addresses). */
    Optional<LocalCluster> localCluster() {
        target();
        return localSource.map(local -> new LocalCluster(local.path().getParent(), local.file()));
    }

    /** A local cluster: its directory and its file. */
    record LocalCluster(Path dir, LocalClusterFile file) {}

    /**
     * The superuser's password, for commands that read PostgreSQL itself: the environment variable SU_PASSWORD or
     * PGMANAGER_SUPERUSER_PASSWORD (or the file named by either with _FILE, as the sidecars take it), else a local
     * cluster's.
     */
    Optional<String> superuserPassword() {
        return superuserPasswordFromEnvironment().or(() -> localCluster().map(local -> local.file().superuserPassword()));
    }

    /** The superuser's name: PGMANAGER_SUPERUSER, else postgres (the sidecars' default). */
    String superuser() {
        return environment("PGMANAGER_SUPERUSER").orElse("postgres");
    }

    /** A setting's value and where it was found. */
    private record Found(String value, String source) {}

    private Target resolve() {
        Optional<Found> storeFromEnv = env("PGMANAGER_STORE");
        Optional<Local> named = Optional.ofNullable(dir).map(Local::require);
        Optional<Local> byDefault = reach.store == null && named.isEmpty() && storeFromEnv.isEmpty()
                ? Local.find(Path.of(DEFAULT_DIR))
                : Optional.empty();

        localSource = reach.store == null ? named.or(() -> byDefault) : Optional.empty();
        Found connect = first(option(reach.store, "--store"), named.map(Local::store), storeFromEnv, byDefault.map(Local::store),
                reach.store == null && named.isEmpty() ? peerListOnVolume() : Optional.empty())
                .orElseThrow(() -> new IllegalArgumentException(
                        "no cluster to talk to: give --dir DIR (a local cluster), or --store CONNECT and --cluster NAME "
                                + "(env PGMANAGER_STORE, and FLY_APP_NAME or PGMANAGER_APP); there is no local cluster in ./"
                                + DEFAULT_DIR));
        Found name = first(option(cluster, "--cluster"), named.map(Local::app), env("FLY_APP_NAME", "PGMANAGER_APP"),
                byDefault.map(Local::app))
                .orElseThrow(() -> new IllegalArgumentException("which cluster in the store at " + connect.value()
                        + "? give --cluster NAME (env FLY_APP_NAME or PGMANAGER_APP)"));
        List<InetSocketAddress> dns = first(option(reach.dnsServers, "--dns-server"), named.map(Local::dnsServer),
                env("PGMANAGER_DNS_SERVERS"), byDefault.map(Local::dnsServer))
                .map(found -> ValueParsers.dnsServers(found.value()))
                .orElse(List.of());
        Optional<Found> apiToken = first(option(token, "--token"), named.flatMap(Local::token),
                env("PGMANAGER_API_TOKEN"), byDefault.flatMap(Local::token),
                superuserPasswordFromEnvironment().map(password -> new Found(ApiToken.derive(name.value(), password),
                        "derived from SU_PASSWORD, as the members derive it")));
        Optional<String> storeSecret = first(named.map(Local::storeSecret), storeSecretFromEnvironment(name.value()),
                byDefault.map(Local::storeSecret));
        return new Target(NetworkSyntax.zooKeeperConnectString(connect.value()), name.value(), dns,
                apiToken.map(Found::value), apiToken.map(Found::source).orElse("none (no token was given)"), storeSecret);
    }

    /**
     * The store secret as a member has it: {@code PGMANAGER_STORE_AUTH}, else derived from the superuser password in
     * {@code SU_PASSWORD} or {@code PGMANAGER_SUPERUSER_PASSWORD} (each may also name a file with {@code _FILE}), so that
     * an operator shell on a member needs nothing more.
     */
    static Optional<String> storeSecretFromEnvironment(String cluster) {
        return SecretFiles.read(System.getenv(), "PGMANAGER_STORE_AUTH")
                .or(() -> superuserPasswordFromEnvironment().map(password -> StoreSecret.derive(cluster, password)));
    }

    /** {@code SU_PASSWORD}, else {@code PGMANAGER_SUPERUSER_PASSWORD}, each also from the file its {@code _FILE} names. */
    private static Optional<String> superuserPasswordFromEnvironment() {
        Map<String, String> environment = System.getenv();
        return SecretFiles.read(environment, "SU_PASSWORD").or(() -> SecretFiles.read(environment, "PGMANAGER_SUPERUSER_PASSWORD"));
    }

    /** A local cluster's file, as a source of settings. */
    private record Local(LocalClusterFile file, Path path) {
        static Optional<Local> find(Path dir) {
            return LocalClusterFile.read(dir).map(file -> new Local(file, dir.resolve(LocalClusterFile.FILE_NAME)));
        }

        static Local require(Path dir) {
            return find(dir).orElseThrow(() -> new IllegalArgumentException("no local cluster in " + dir + " (no "
                    + LocalClusterFile.FILE_NAME + "); start one with pgmanager local up"));
        }

        Found store() {
            return new Found(file.storeConnectString(), path.toString());
        }

        Found app() {
            return new Found(file.app(), path.toString());
        }

        Found dnsServer() {
            return new Found("127.0.0.1:" + file.dnsPort(), path.toString());
        }

        String storeSecret() {
            return file.storeSecret();
        }

        Optional<Found> token() {
            return nonBlank(file.apiToken()).map(value -> new Found(value, "the api_token in " + path));
        }
    }

    /** On a member in store mode ensemble: the peers it keeps on its volume, by name. */
    private static Optional<Found> peerListOnVolume() {
        Path dataDir = Path.of(environment("PGMANAGER_ENSEMBLE_DATA_DIR").orElse("/data/zookeeper"));
        try {
            return new PeerListFile(dataDir).read()
                    .map(peers -> new Found(peers.connectString(), "the peer list in " + dataDir));
        } catch (RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    private static Optional<Found> option(String value, String name) {
        return nonBlank(value).map(v -> new Found(v, name));
    }

    /** The value of the first environment variable of {@code names} that is set and not blank. */
    static Optional<String> environment(String... names) {
        return env(names).map(Found::value);
    }

    /** The first environment variable of {@code names} that is set and not blank, and its name. */
    private static Optional<Found> env(String... names) {
        return Arrays.stream(names)
                .flatMap(name -> nonBlank(System.getenv(name)).map(value -> new Found(value, "the environment variable " + name)).stream())
                .findFirst();
    }

    private static Optional<String> nonBlank(String value) {
        return Optional.ofNullable(value).filter(v -> !v.isBlank());
    }

    @SafeVarargs
    private static <T> Optional<T> first(Optional<T>... inOrder) {
        return Stream.of(inOrder).flatMap(Optional::stream).findFirst();
    }
}
