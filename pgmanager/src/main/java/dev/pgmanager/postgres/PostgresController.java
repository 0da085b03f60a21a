package dev.pgmanager.postgres;

import dev.pgmanager.net.HostPort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.postgresql.util.PasswordUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives the one PostgreSQL instance of this machine: create, clone, start, stop, follow, promote,
 * rewind. It never deletes a data directory, and never creates a cluster over one that holds anything.
 */
public final class PostgresController {
    private static final Logger log = LoggerFactory.getLogger(PostgresController.class);
    private static final Duration QUICK_TOOL_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(20);
    /** For the waits inside a switchover's write gap (the primary's last WAL out, the promotion done): every ms counts. */
    private static final Duration HAND_OVER_POLL = Duration.ofMillis(5);
    private static final int LOG_TAIL_LINES = 40;

    private final PgBinaries binaries;
    private final PostgresConfig config;
    private final OsUser osUser;
    private final DataDirectory dataDirectory;
    private final ServerConfigFiles configFiles;
    private final PgCommandRunner runner;
    private final ReusedConnection sharedConnection = new ReusedConnection(this::connect);

    public PostgresController(PgBinaries binaries, PostgresConfig config, OsUser osUser) {
        this.binaries = binaries;
        this.config = config;
        this.osUser = osUser;
        this.dataDirectory = new DataDirectory(config.dataDirectory());
        this.configFiles = new ServerConfigFiles(dataDirectory, config, osUser);
        this.runner = new PgCommandRunner(osUser);
    }

    public PostgresConfig config() {
        return config;
    }

    /**
     * Creates a new cluster (with data checksums) in the empty or missing data directory and writes our
     * settings. The replication role is created at the first start as a primary (see {@link #start()}).
     *
     * @throws DataDirectoryNotEmptyException if the directory holds a cluster or anything else
     */
    public void initdb() {
        dataDirectory.requireEmptyOrMissing();
        prepareOwnDirectories();
        osUser.createPrivateDirectory(dataDirectory.path());
        Path pwfile = config.stateDirectory().resolve("initdb.pwfile");
        osUser.writePrivateFile(pwfile, config.superuser().password() + "\n");
        try {
            runner.runChecked(List.of(binaries.tool("initdb"),
                    "--pgdata=" + dataDirectory.path(),
                    "--data-checksums",
                    "--username=" + config.superuser().user(),
                    "--pwfile=" + pwfile,
                    // the socket admits the OS user as the role of its name (the kernel vouches for it);
                    // everything over TCP needs a password. The sidecar itself connects over TCP.
                    "--auth-local=peer",
                    "--auth-host=scram-sha-256",
                    // the C locale's sort order never changes with a glibc upgrade, which would
                    // otherwise silently corrupt text indexes, and differently on each member
                    "--encoding=UTF8",
                    "--locale=C",
                    "--wal-segsize=" + config.walSegmentSize().megabytes()), Map.of(), Duration.ofMinutes(2));
        } finally {
            deleteIfExists(pwfile);
        }
        configFiles.writeServerSettings();
        log.info("initialised a new cluster in {} (system identifier {})", dataDirectory,
                Long.toUnsignedString(systemIdentifier()));
    }

    /**
     * Starts the server (regenerating our settings first) as a child of this process that dies with it, and returns
     * once it accepts connections. Does nothing if it is already running.
     */
    public void start() {
        dataDirectory.requireCluster();
        if (isRunning()) {
            log.info("PostgreSQL in {} is already running (pid {})", dataDirectory, pid().orElseThrow());
            return;
        }
        prepareOwnDirectories();
        configFiles.writeServerSettings();
        Process postmaster = ServerLauncher.launch(osUser,
                List.of(binaries.tool("postgres"), "-D", dataDirectory.path().toString()), config.serverLog());
        waitUntil("PostgreSQL in " + dataDirectory + " to accept connections", () -> {
            if (!postmaster.isAlive()) {
                throw new CommandFailedException("PostgreSQL in " + dataDirectory + " exited during start-up with code "
                        + postmaster.exitValue(), serverLogTail());
            }
            // The server that answers must be the one just started, not another on the same port or on this data
            // directory (whose lock file the new one then finds, and exits): taken for started, it was started again
            // at every pass. Its data directory tells another cluster's server from ours (the new one writes its lock
            // file before it finds the port taken, so the file alone names it for a moment); the lock file's pid
            // tells an older server on our own data directory from the new one.
            return answersForOurDataDirectory() && postmaster.isAlive() && pid().equals(OptionalLong.of(postmaster.pid()));
        });
        if (status().role() == PgRole.PRIMARY) {
            ensureReplicationRole();
            ensureOperatorRole();
        }
        log.info("started PostgreSQL in {} on port {} (pid {})", dataDirectory, config.port(), postmaster.pid());
    }

    /**
     * Stops the server and waits until the postmaster is gone; does nothing if it is not running. A frozen server
     * ({@link #freeze}) is killed instead: it cannot shut down, and thawing it to ask would let it commit first.
     */
    public void stop(StopMode mode) {
        OptionalLong pid = pid();
        if (pid.isEmpty()) {
            return;
        }
        if (ServerFreezer.isStopped(pid.getAsLong())) {
            ProcessHandle.of(pid.getAsLong()).ifPresent(postmaster -> kill(new FrozenServer(postmaster, List.of(postmaster))));
            return;
        }
        signalStop(mode, pid.getAsLong());
        awaitExit(mode, pid.getAsLong());
    }

    /**
     * Freezes the running server: every one of its processes stopped where it is (SIGSTOP), so that it commits nothing
     * and answers nobody until {@link #thaw} lets it go on, or {@link #kill} (or {@link #stop}) ends it.
     *
     * @return what was frozen; empty when no server runs
     */
    public Optional<FrozenServer> freeze() {
        OptionalLong pid = pid();
        if (pid.isEmpty()) return Optional.empty();
        Optional<FrozenServer> frozen = ProcessHandle.of(pid.getAsLong()).map(ServerFreezer::freeze);
        frozen.ifPresent(f -> log.warn("froze PostgreSQL in {} (postmaster {}, {} processes): it accepts no writes until it is "
                + "thawed or stopped", dataDirectory, f.postmaster().pid(), f.processes().size()));
        return frozen;
    }

    /** Lets a server {@link #freeze} froze go on. */
    public void thaw(FrozenServer server) {
        ServerFreezer.thaw(server);
        log.info("thawed PostgreSQL in {} (postmaster {})", dataDirectory, server.postmaster().pid());
    }

    /** Kills a server {@link #freeze} froze, every process of it, and returns once they are gone. */
    public void kill(FrozenServer server) {
        sharedConnection.close();
        ServerFreezer.kill(server);
        log.warn("killed the frozen PostgreSQL in {} (was postmaster {})", dataDirectory, server.postmaster().pid());
    }

    /** True while the server is frozen ({@link #freeze}): it answers no query until it is thawed or stopped. */
    public boolean isFrozen() {
        return pid().stream().anyMatch(ServerFreezer::isStopped);
    }

    /**
     * Begins a fast shutdown and returns once the server can write no more WAL and its replicas have all of it: the
     * shutdown checkpoint is in the control file, and every WAL sender has exited (each waits until its replica has
     * flushed the last record before it does). The postmaster may still be waiting for its archiver's last round:
     * {@link #stop} waits for that. A switchover hands the lease over at this point, not after an upload to the
     * backup repository.
     *
     * <p>A checkpoint comes first, while the server still takes writes: the shutdown checkpoint, during which it takes
     * none, then has little left to write (on a busy server, seconds).
     *
     * @return where the server's last record, its shutdown checkpoint, starts
     */
    public Lsn stopWritingWal() {
        OptionalLong pid = pid();
        if (pid.isPresent()) {
            try {
                checkpoint("checkpoint before stopping");
            } catch (PostgresException e) {
                log.warn("{}; stopping all the same", e.getMessage());
            }
            signalStop(StopMode.FAST, pid.getAsLong());
            waitUntil("PostgreSQL in " + dataDirectory + " to write its shutdown checkpoint and send it to its replicas", HAND_OVER_POLL,
                    () -> !Postmaster.isLivePostgres(pid.getAsLong())
                            || (Postmaster.walSenders(pid.getAsLong()).isEmpty() && shutDownCleanly()));
        }
        // A server that crashed meanwhile (or was not running) may hold WAL no replica has: no clean hand-over then
        ControlFile.Snapshot control = controlSnapshot();
        if (!control.shutDownCleanly()) {
            throw new PostgresException("PostgreSQL in " + dataDirectory + " did not shut down cleanly (its control file says "
                    + control.clusterState() + "): its replicas may lack its last WAL, so it hands over nothing");
        }
        return control.checkpointLocation();
    }

    private boolean shutDownCleanly() {
        return controlSnapshot().shutDownCleanly();
    }

    /** The control file's state and checkpoint: read directly where it can be (a switchover waits on it), else by pg_controldata. */
    private ControlFile.Snapshot controlSnapshot() {
        return ControlFile.read(dataDirectory.path()).orElseGet(() -> {
            ControlData data = controlData();
            return new ControlFile.Snapshot(data.clusterState(), data.checkpointLocation());
        });
    }

    /**
     * Asks the postmaster to stop in {@code mode} and returns at once: a signal, as pg_ctl sends (whose start took
     * ~25 ms, and whose wait looks only every 100 ms).
     */
    private void signalStop(StopMode mode, long pid) {
        sharedConnection.close();
        try {
            ProcessSignal.send(pid, mode.signal());
        } catch (PostgresException e) {
            if (Postmaster.isLivePostgres(pid)) throw new CommandFailedException("could not ask PostgreSQL in " + dataDirectory
                    + " to stop (" + mode + "): " + e.getMessage(), serverLogTail());
        }
    }

    private void awaitExit(StopMode mode, long pid) {
        try {
            waitUntil("postmaster " + pid + " to exit", () -> !Postmaster.isLivePostgres(pid));
        } catch (CommandFailedException e) {
            throw new CommandFailedException("PostgreSQL in " + dataDirectory + " (pid " + pid + ") did not stop (" + mode
                    + ") within " + config.startTimeout().toSeconds() + "s", serverLogTail());
        }
        log.info("stopped PostgreSQL in {} ({}, was pid {})", dataDirectory, mode, pid);
    }

    public void restart() {
        stop(StopMode.FAST);
        start();
    }

    /** Rewrites our settings and makes the running server re-read its configuration. */
    public void reload() {
        configFiles.writeServerSettings();
        runner.runChecked(List.of(binaries.tool("pg_ctl"), "reload", "--pgdata=" + dataDirectory.path()),
                Map.of(), QUICK_TOOL_TIMEOUT);
    }

    public boolean isRunning() {
        return pid().isPresent();
    }

    /** The postmaster's PID, if one is running for this data directory. */
    public OptionalLong pid() {
        return Postmaster.pid(dataDirectory);
    }

    /** The server's state, observed over the kept connection; {@link PgStatus#stopped()} if not running. */
    public PgStatus status() {
        OptionalLong pid = pid();
        if (pid.isEmpty()) {
            return PgStatus.stopped();
        }
        // It would answer nobody: a query would wait out its timeout.
        if (ServerFreezer.isStopped(pid.getAsLong())) throw new PostgresException("PostgreSQL in " + dataDirectory + " is frozen (SIGSTOP)");
        return query("read the status of PostgreSQL", StatusReader::read);
    }

    /**
     * A new superuser connection to this server over loopback TCP (pgjdbc cannot use unix sockets
     * without an extra library). Connect and read timeouts are bounded. The caller closes it.
     */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(localUrl(), superuserProperties(5, 10, 30));
    }

    /** Like {@link #connect()}, to {@code database}. */
    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(new HostPort(config.localConnectHost(), config.port()).jdbcUrl(database),
                superuserProperties(5, 10, 60));
    }

    /**
     * Like {@link #connect()}, for a caller that wants an answer within {@code deadline} or none: connecting, logging
     * in and every read give up after it (rounded up to whole seconds, as pgjdbc counts them), and the server cancels
     * any statement that runs longer, so a query the caller abandoned (one waiting for a lock) does not linger and
     * hold a connection slot. The timeout is SET in the session rather than sent at login, so that pg_settings'
     * {@code reset_val} still shows the server's own statement_timeout.
     */
    public Connection connectWithin(Duration deadline) throws SQLException {
        int seconds = (int) Math.max(1, (deadline.toMillis() + 999) / 1000);
        Connection connection = DriverManager.getConnection(localUrl(), superuserProperties(seconds, seconds, seconds));
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET statement_timeout = " + Math.max(1, deadline.toMillis()));
            return connection;
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    private Properties superuserProperties(int connectSeconds, int loginSeconds, int readSeconds) {
        Properties properties = new Properties();
        properties.setProperty("user", config.superuser().user());
        properties.setProperty("password", config.superuser().password());
        properties.setProperty("connectTimeout", Integer.toString(connectSeconds));
        properties.setProperty("loginTimeout", Integer.toString(loginSeconds));
        properties.setProperty("socketTimeout", Integer.toString(readSeconds));
        properties.setProperty("ApplicationName", "pgmanager");
        // The sidecar's own work goes on while user sessions are read-only for a nearly full volume.
        properties.setProperty("options", "-c default_transaction_read_only=off");
        // Over loopback to its own server: TLS would protect nothing and cost a handshake (and a TLS stack in memory).
        properties.setProperty("sslmode", "disable");
        return properties;
    }

    private String localUrl() {
        return new HostPort(config.localConnectHost(), config.port()).jdbcUrl("postgres");
    }

    /**
     * Makes this (stopped, empty) data directory a replica of {@code upstream}: a base backup through a
     * physical replication slot named after this machine, so the upstream keeps the WAL we still need
     * from the moment the backup starts; then {@link #follow}.
     */
    public void cloneFrom(Upstream upstream) {
        if (isRunning()) {
            throw new PostgresException("cannot clone into " + dataDirectory + ": PostgreSQL is running there");
        }
        dataDirectory.requireEmptyOrMissing();
        prepareOwnDirectories();
        osUser.createPrivateDirectory(dataDirectory.path());
        CommandResult result = baseBackup(upstream, upstream.useSlot());
        if (upstream.useSlot() && !result.succeeded() && result.output().contains("already exists")) {
            // the leader keeps a slot per member, and a member coming back after a move finds its old
            // one: use it rather than fail
            log.info("replication slot {} already exists on {}; cloning through it", config.machineId(), upstream);
            dataDirectory.requireEmptyOrMissing();
            result = baseBackup(upstream, false);
        }
        if (!result.succeeded()) {
            throw new CommandFailedException("base backup from " + upstream + " into " + dataDirectory
                    + " failed (exit " + result.exitCode() + ")", result.outputTail());
        }
        log.info("cloned {} from {}", dataDirectory, upstream);
        follow(upstream);
    }

    /**
     * Removes from the copied configuration the libraries {@code shared_preload_libraries} names that this machine's
     * PostgreSQL does not have (postgres-flex preloads repmgr, which this image does not carry): the server would not
     * start with them. Only for a data directory just cloned from outside the cluster; the lines changed are logged.
     */
    public void dropPreloadedLibrariesMissingHere() {
        Path libdir = Path.of(binaries.tool("postgres")).getParent().resolveSibling("lib");
        java.util.regex.Pattern line = java.util.regex.Pattern.compile("(?m)^(\\s*shared_preload_libraries\\s*=?\\s*)'([^']*)'(.*)$");
        try (var files = java.nio.file.Files.list(dataDirectory.path())) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".conf")).toList()) {
                String text = java.nio.file.Files.readString(file);
                java.util.regex.Matcher m = line.matcher(text);
                StringBuilder out = new StringBuilder();
                boolean changed = false;
                while (m.find()) {
                    List<String> kept = new ArrayList<>();
                    List<String> dropped = new ArrayList<>();
                    for (String library : m.group(2).split(",")) {
                        String name = library.strip().replace("$libdir/", "");
                        if (name.isEmpty()) continue;
                        if (java.nio.file.Files.exists(libdir.resolve(name + ".so")) || java.nio.file.Files.exists(libdir.resolve(name))) kept.add(library.strip());
                        else dropped.add(name);
                    }
                    if (!dropped.isEmpty()) {
                        changed = true;
                        log.warn("{}: dropped {} from shared_preload_libraries (not installed here)", file, dropped);
                    }
                    m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(m.group(1) + "'" + String.join(",", kept) + "'" + m.group(3)));
                }
                m.appendTail(out);
                if (changed) osUser.writePrivateFile(file, out.toString());
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read the copied configuration in " + dataDirectory, e);
        }
    }

    /**
     * Configures this server to stream from {@code upstream} as a replica under this machine's ID and
     * slot. Takes effect at the next start; a running replica re-reads it at once.
     */
    public void follow(Upstream upstream) {
        dataDirectory.requireCluster();
        PassFile.write(config, osUser, upstream);
        configFiles.writeUpstream(upstream);
        createStandbySignal();
        if (isRunning()) {
            reload();
        }
        log.info("{} follows {} (slot {})", dataDirectory, upstream, config.machineId());
    }

    /** Turns this replica into a primary and waits until it accepts writes. */
    public void promote() {
        if (pid().isEmpty()) throw new PostgresException("cannot promote PostgreSQL in " + dataDirectory + ": it is not running");
        // Asked and watched on one connection: pg_ctl promote --wait (and pg_promote's own wait) look only every 100 ms.
        // A look at the recovery state alone, not the whole status: this is on the path of every failover.
        int timeline = query("promote", connection -> {
            try (var statement = connection.createStatement()) {
                if (!inRecovery(statement)) {
                    throw new PostgresException("cannot promote PostgreSQL in " + dataDirectory + ": it is not a replica");
                }
                statement.execute("SELECT pg_promote(false)");
                waitUntil("PostgreSQL in " + dataDirectory + " to leave recovery", HAND_OVER_POLL, () -> !inRecovery(statement));
            }
            return StatusReader.queryInt(connection, "SELECT " + StatusReader.WRITING_TIMELINE);
        });
        // Until a checkpoint completes, the control file names the old timeline, and pg_rewind reads the source's
        // timeline from there: a member rewinding against us would find "the same timeline" and rewind nothing (it
        // checkpoints us first if need be: see rewind). Begun as soon as recovery ended, whatever fails next, so that it
        // is done by then, but not waited for: the promotion is announced without it (about 100 ms sooner here), and
        // clients reach us through the routers sooner. On a connection of its own: the kept one stays free for the loop.
        Thread.ofVirtual().name("checkpoint-after-promotion").start(() -> {
            try (Connection connection = DriverManager.getConnection(localUrl(), checkpointProperties());
                    Statement statement = connection.createStatement()) {
                statement.execute("CHECKPOINT");
            } catch (SQLException e) {
                log.warn("the checkpoint after promotion failed (a member that rewinds against this server runs one): {}",
                        e.getMessage());
            }
        });
        configFiles.clearUpstream();
        reload();
        ensureReplicationRole();
        ensureOperatorRole();
        log.info("promoted PostgreSQL in {} to primary on timeline {}", dataDirectory, timeline);
    }

    /**
     * Stops this server and starts it again as a replica of {@code upstream}. Only for a server whose WAL
     * has not diverged from the upstream's; otherwise {@link #rewind} first.
     */
    public void demote(Upstream upstream) {
        stop(StopMode.FAST);
        follow(upstream);
        start();
    }

    /**
     * Brings this (former primary's) data directory back onto {@code upstream}'s timeline with pg_rewind
     * and configures it to follow; the server is left stopped. pg_rewind reads the source's files
     * through ordinary SQL functions, which needs the superuser, not the replication role.
     *
     * @throws RewindFailedException if pg_rewind fails; the usual recovery is to move aside and re-clone
     */
    public void rewind(Upstream upstream) {
        dataDirectory.requireCluster();
        stop(StopMode.FAST);
        finishCrashRecovery();
        checkpointIfControlFileBehind(upstream);
        Upstream asSuperuser = new Upstream(upstream.host(), upstream.hostaddr(), upstream.port(), config.superuser(), upstream.useSlot());
        String source = asSuperuser.connInfo(config.superuser().user())
                .with("dbname", "postgres")
                .with("application_name", config.machineId().applicationName() + "_rewind")
                .with("connect_timeout", "10")
                .toString();
        CommandResult result = runner.run(List.of(binaries.tool("pg_rewind"),
                "--target-pgdata=" + dataDirectory.path(),
                "--source-server=" + source,
                // we just made sure of a clean shutdown, with our own settings
                "--no-ensure-shutdown",
                "--progress"), Map.of("PGPASSWORD", config.superuser().password()), config.copyTimeout(), null);
        if (!result.succeeded()) {
            throw new RewindFailedException("pg_rewind of " + dataDirectory + " from " + upstream
                    + " failed (exit " + result.exitCode() + ")", result.outputTail());
        }
        log.info("rewound {} onto {}: {}", dataDirectory, upstream, CommandResult.tail(result.output(), 1));
        // pg_rewind copied the source's configuration files over ours; start() regenerates the settings
        follow(upstream);
    }

    /**
     * Turns user sessions read-only by default, or back: new transactions of every session, open ones included, take
     * the new default (a transaction already running finishes as it began). The sidecar's own sessions stay writable.
     */
    public void refuseUserWrites(boolean refuse) {
        dataDirectory.requireCluster();
        configFiles.writeUserWritesRefused(refuse);
        if (isRunning()) {
            reload();
        }
    }

    /** Whether user sessions are refused writes by {@link #refuseUserWrites}. */
    public boolean userWritesRefused() {
        return configFiles.userWritesRefused();
    }

    /** Sets the primary's {@code synchronous_standby_names} and makes a running server re-read it. */
    public void setSynchronousStandbyNames(String value) {
        dataDirectory.requireCluster();
        configFiles.writeSynchronousStandbyNames(value);
        if (isRunning()) {
            reload();
        }
        log.info("synchronous_standby_names = '{}'", value);
    }

    /**
     * Writes the cluster's parameters into this data directory and makes a running server re-read them when they
     * changed. Settings that need a restart are then pending ({@link PgStatus#pendingRestart()}).
     *
     * @param reloadAnyway reload a running server even when the file holds these parameters already
     * @return whether they changed
     */
    public boolean applyClusterParameters(Map<String, String> parameters, boolean reloadAnyway) {
        if (!dataDirectory.holdsCluster()) return false;
        boolean changed = configFiles.writeClusterParameters(parameters);
        if ((changed || reloadAnyway) && isRunning()) reload();
        return changed;
    }

    /** The {@code synchronous_standby_names} pgmanager last set in this data directory, if it set one. */
    public Optional<String> synchronousStandbyNames() {
        return configFiles.synchronousStandbyNames();
    }

    /** The address this server's primary_conninfo connects to, as its upstream file says now (empty: none or unknown). */
    public Optional<String> followedAddress() {
        return configFiles.followedAddress();
    }

    /** What the data directory holds, without touching it. */
    public DataDirectoryState dataDirectoryState() {
        return dataDirectory.state();
    }

    /** The control file's facts: identity, timeline and last role of the data, readable while stopped. */
    public ControlData controlFile() {
        return controlData();
    }

    /**
     * Configures this server to start as a replica that follows no one yet (it replays what it has and waits):
     * how a member whose leader is unknown starts without ever becoming a second primary.
     */
    public void standByWithoutUpstream() {
        dataDirectory.requireCluster();
        configFiles.clearUpstream();
        createStandbySignal();
        if (isRunning()) {
            reload();
        }
    }

    /**
     * Creates a physical slot that retains WAL from now on, if it does not exist yet. On a primary, or on a standby about
     * to be promoted: a standby can hold physical slots, so replicas that connect during the promotion find theirs.
     */
    public void createReplicationSlot(String name) {
        withConnection("create replication slot " + name, connection -> {
            if (!slotExists(connection, name)) createSlot(connection, name);
        });
    }

    /**
     * Creates the slots among {@code names} that do not exist yet (as {@link #createReplicationSlot}) and returns every
     * slot of the server, all on one connection: a new leader runs this between taking the lease and its promotion,
     * where each login (SCRAM, about 20 ms) would lengthen the failover. A slot that cannot be created
     * (max_replication_slots reached, say) is logged and left out: it must not stop the others, or the promotion.
     */
    public List<ReplicationSlot> createMissingReplicationSlots(Collection<String> names) {
        List<ReplicationSlot> slots = new ArrayList<>();
        withConnection("look after the replication slots", connection -> {
            Set<String> existing = new HashSet<>();
            for (ReplicationSlot slot : StatusReader.slots(connection)) existing.add(slot.name());
            for (String name : names) {
                if (existing.contains(name)) continue;
                try {
                    createSlot(connection, name);
                } catch (SQLException e) {
                    log.warn("could not create the replication slot of {} (tried again next pass): {}", name, e.getMessage());
                }
            }
            slots.addAll(StatusReader.slots(connection));
        });
        return List.copyOf(slots);
    }

    private void createSlot(Connection connection, String name) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT pg_create_physical_replication_slot(?, true)")) {
            statement.setString(1, name);
            statement.execute();
        }
        log.info("created replication slot {} in {}", name, dataDirectory);
    }

    /** Drops the slot if it exists. Fails if a replica is streaming through it. */
    public void dropReplicationSlot(String name) {
        withConnection("drop replication slot " + name, connection -> {
            if (!slotExists(connection, name)) {
                return;
            }
            try (PreparedStatement statement = connection.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
                statement.setString(1, name);
                statement.execute();
            }
            log.info("dropped replication slot {} in {}", name, dataDirectory);
        });
    }

    public List<ReplicationSlot> replicationSlots() {
        List<ReplicationSlot> slots = new ArrayList<>();
        withConnection("list replication slots", connection -> slots.addAll(StatusReader.slots(connection)));
        return List.copyOf(slots);
    }

    /**
     * Verifies every data page's checksum with {@code pg_checksums --check}. The server must be stopped and its data
     * shut down cleanly (pg_checksums refuses otherwise: a crashed server's torn pages are repaired by crash recovery
     * from full-page images, so their checksums mean nothing yet).
     */
    public PageChecksums verifyPageChecksums() {
        if (isRunning()) {
            throw new PostgresException("cannot verify the page checksums of " + dataDirectory + ": PostgreSQL is running there");
        }
        dataDirectory.requireCluster();
        CommandResult result = runner.run(List.of(binaries.tool("pg_checksums"), "--check", "--pgdata=" + dataDirectory.path()),
                Map.of(), config.copyTimeout(), null);
        return PageChecksums.of(result.exitCode(), result.output());
    }

    /** The cluster's system identifier (unsigned), read from the control file: works while stopped. */
    public long systemIdentifier() {
        return controlData().systemIdentifier();
    }

    /**
     * The only way pgmanager gets a data directory out of the way: it is renamed (never deleted) to
     * {@code <name>.aside-<UTC time>} next to itself, for an operator to inspect or remove.
     *
     * @return the directory's new path
     */
    public Path moveDataDirectoryAside() {
        if (isRunning()) {
            throw new PostgresException("refusing to move " + dataDirectory + " aside: PostgreSQL is running there");
        }
        Path moved = dataDirectory.moveAside();
        log.warn("moved data directory {} aside to {}", dataDirectory, moved);
        return moved;
    }

    /** Deletes a data directory {@link #moveDataDirectoryAside} moved aside, at an operator's explicit request. */
    public void deleteMovedAside(Path aside) {
        dataDirectory.deleteMovedAside(aside);
        log.warn("deleted the previous data directory {} as the operator asked", aside);
    }

    /**
     * Removes an upstream pinned with {@code ALTER SYSTEM} (primary_conninfo, primary_slot_name in
     * postgresql.auto.conf), which wins over the upstream file pgmanager writes; the server must be running.
     *
     * @return the settings that were reset (empty: nothing was pinned)
     */
    public List<String> resetPinnedUpstream() {
        List<String> reset = new ArrayList<>();
        withConnection("reset a pinned upstream", connection -> {
            try (var statement = connection.createStatement();
                 var rows = statement.executeQuery("""
                         SELECT name FROM pg_settings
                         WHERE name IN ('primary_conninfo', 'primary_slot_name')
                           AND sourcefile LIKE '%/postgresql.auto.conf'""")) {
                while (rows.next()) reset.add(rows.getString(1));
            }
            for (String name : reset) {
                try (var statement = connection.createStatement()) {
                    statement.execute("ALTER SYSTEM RESET " + name);
                }
            }
        });
        if (!reset.isEmpty()) log.warn("reset {} pinned with ALTER SYSTEM in {}", reset, dataDirectory);
        return List.copyOf(reset);
    }

    private CommandResult baseBackup(Upstream upstream, boolean createSlot) {
        String source = upstream.connInfo(upstream.replication().user())
                .with("application_name", config.machineId().applicationName())
                .with("connect_timeout", "10")
                .toString();
        List<String> command = new ArrayList<>(List.of(binaries.tool("pg_basebackup"),
                "--pgdata=" + dataDirectory.path(),
                "--dbname=" + source,
                "--wal-method=stream",
                "--checkpoint=fast",
                "--no-password"));
        if (upstream.useSlot()) command.add("--slot=" + config.machineId().slotName());
        if (createSlot) {
            command.add("--create-slot");
        }
        return runner.run(command, Map.of("PGPASSWORD", upstream.replication().password()), config.copyTimeout(), null);
    }

    /**
     * pg_rewind needs a cleanly shut down target. After a crash, run crash recovery in single-user mode,
     * which does that and exits. Single-user mode cannot run as a standby, so standby.signal is set aside
     * meanwhile and put back afterwards: a failed rewind must not leave a replica that would start as a
     * second primary.
     */
    private void finishCrashRecovery() {
        ControlData control = controlData();
        if (control.shutDownCleanly()) {
            return;
        }
        log.warn("{} was not shut down cleanly ({}); running crash recovery before rewind", dataDirectory,
                control.clusterState());
        boolean wasStandby = dataDirectory.isStandby();
        deleteIfExists(dataDirectory.file("standby.signal"));
        try {
            runner.runChecked(List.of(binaries.tool("postgres"), "--single", "-F", "-D", dataDirectory.path().toString(),
                    "template1"), Map.of(), config.startTimeout());
        } finally {
            if (wasStandby) {
                createStandbySignal();
            }
        }
        ControlData after = controlData();
        if (!after.shutDownCleanly()) {
            throw new RewindFailedException("crash recovery of " + dataDirectory + " left it in state '"
                    + after.clusterState() + "'; cannot rewind", "");
        }
    }

    private ControlData controlData() {
        dataDirectory.requireCluster();
        CommandResult result = runner.runChecked(List.of(binaries.tool("pg_controldata"), dataDirectory.path().toString()),
                Map.of(), QUICK_TOOL_TIMEOUT);
        return ControlData.parse(result.output());
    }

    /**
     * Creates the replication role if it is missing. initdb cannot give a role a password without a
     * running server, so this runs whenever we start or promote a primary; being idempotent, it also
     * repairs a cluster whose role was dropped. The server quotes name and verifier itself (format %I/%L).
     */
    private void ensureReplicationRole() {
        Credentials replication = config.replication();
        withConnection("create the replication role", connection -> {
            if (roleExists(connection, replication.user())) return;
            execute(connection, roleStatement(connection, "CREATE ROLE %I WITH LOGIN REPLICATION PASSWORD %L", replication));
            log.info("created replication role {} in {}", replication.user(), dataDirectory);
        });
    }

    /**
     * Keeps the operator's role ({@code postgres}, {@code OPERATOR_PASSWORD}) a superuser that logs in with that
     * password: created when missing, its password set again otherwise, so that the secret is what counts (as
     * postgres-flex does on every boot). Runs where the replication role is ensured: on every start or promotion of a
     * primary.
     */
    private void ensureOperatorRole() {
        config.operator().ifPresent(operator -> withConnection("keep the operator's role", connection -> {
            boolean exists = roleExists(connection, operator.user());
            execute(connection, roleStatement(connection, (exists ? "ALTER" : "CREATE") + " ROLE %I WITH LOGIN SUPERUSER PASSWORD %L",
                    operator));
            if (!exists) log.info("created the operator's role {} in {}", operator.user(), dataDirectory);
        }));
    }

    private static boolean roleExists(Connection connection, String role) throws SQLException {
        try (PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
            exists.setString(1, role);
            try (ResultSet row = exists.executeQuery()) {
                return row.next();
            }
        }
    }

    /**
     * {@code template} with the role's name (%I) and its password's SCRAM-SHA-256 verifier (%L), quoted by the server
     * (format). The verifier is computed here: the password itself never reaches the server, so no statement log or
     * error message there can show it.
     */
    private static String roleStatement(Connection connection, String template, Credentials role) throws SQLException {
        try (PreparedStatement format = connection.prepareStatement("SELECT format('" + template + "', ?, ?)")) {
            format.setString(1, role.user());
            format.setString(2, PasswordUtil.encodeScramSha256(role.password().toCharArray()));
            try (ResultSet row = format.executeQuery()) {
                row.next();
                return row.getString(1);
            }
        }
    }

    /**
     * Runs a role statement. Its commit does not wait for a synchronous standby: on a primary just promoted in strict
     * synchronous mode none may confirm yet, and the promotion must not stall on it (the role reaches the standbys with
     * the WAL all the same).
     */
    private static void execute(Connection connection, String statement) throws SQLException {
        try (var s = connection.createStatement()) {
            s.execute("SET synchronous_commit = local");
            s.execute(statement);
            s.execute("RESET synchronous_commit");
        }
    }

    private static boolean slotExists(Connection connection, String name) throws SQLException {
        try (PreparedStatement statement =
                     connection.prepareStatement("SELECT 1 FROM pg_replication_slots WHERE slot_name = ?")) {
            statement.setString(1, name);
            try (ResultSet row = statement.executeQuery()) {
                return row.next();
            }
        }
    }

    private interface SqlWork {
        void run(Connection connection) throws SQLException;
    }

    /** Runs {@code work} on the kept connection (see {@link ReusedConnection}): it must leave no session settings behind. */
    private void withConnection(String what, SqlWork work) {
        query(what, connection -> {
            work.run(connection);
            return null;
        });
    }

    /** As {@link #withConnection}, returning what {@code work} found. */
    private <T> T query(String what, ReusedConnection.Work<T> work) {
        try {
            return sharedConnection.use(work);
        } catch (SQLException e) {
            throw new PostgresException("cannot " + what + " in " + dataDirectory + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checkpoints {@code source}, a primary, if its control file still names a timeline before the one it writes: after
     * a promotion that lasts until its first checkpoint completes, and pg_rewind (before PostgreSQL 16), which reads the
     * source's timeline from there, would find "the same timeline" and wrongly rewind nothing. PostgreSQL's own checkpoint
     * at the end of recovery is spread over time; ours is immediate, and hurries one under way. A source that cannot be
     * reached is left for pg_rewind to report; one in recovery (a standby cluster's leader) is left as it is.
     *
     * @throws PostgresException when the checkpoint fails or leaves the control file behind: the rewind is put off,
     *     not turned into a re-clone
     */
    private void checkpointIfControlFileBehind(Upstream source) {
        String url = new HostPort(source.hostaddr().orElse(source.host()), source.port()).jdbcUrl("postgres");
        Properties properties = checkpointProperties();
        // another machine: TLS where it serves it, as pg_rewind's own connection (libpq's default)
        properties.setProperty("sslmode", "prefer");
        Connection connection;
        try {
            connection = DriverManager.getConnection(url, properties);
        } catch (SQLException e) {
            log.debug("could not reach {} to check its control file before rewinding: {}", source, e.getMessage());
            return;
        }
        try (connection; Statement statement = connection.createStatement()) {
            if (!controlFileBehind(statement)) return;
            log.info("checkpointing {} first: its control file still names the timeline before the one it writes", source);
            statement.execute("CHECKPOINT");
            if (controlFileBehind(statement)) throw new PostgresException("the control file of " + source
                    + " still names the timeline before the one it writes after a checkpoint: not rewinding onto it yet");
        } catch (SQLException e) {
            throw new PostgresException("cannot checkpoint " + source + " before rewinding onto it (pg_rewind would find its "
                    + "previous timeline there and rewind nothing): " + e.getMessage(), e);
        }
    }

    /** An immediate checkpoint writes every dirty buffer, minutes on a large busy server: no timeout may cut it short. */
    private Properties checkpointProperties() {
        Properties properties = superuserProperties(10, 10, 3600);
        properties.setProperty("options", properties.getProperty("options") + " -c statement_timeout=0");
        return properties;
    }

    private static boolean controlFileBehind(Statement statement) throws SQLException {
        try (ResultSet row = statement.executeQuery("""
                SELECT CASE WHEN pg_is_in_recovery() THEN false
                            ELSE (SELECT timeline_id FROM pg_control_checkpoint()) < %s END""".formatted(StatusReader.WRITING_TIMELINE))) {
            return row.next() && row.getBoolean(1);
        }
    }

    private void checkpoint(String what) {
        withConnection(what, connection -> {
            try (var statement = connection.createStatement()) {
                statement.execute("CHECKPOINT");
            }
        });
    }

    private static boolean inRecovery(Statement statement) {
        try (ResultSet row = statement.executeQuery("SELECT pg_is_in_recovery()")) {
            row.next();
            return row.getBoolean(1);
        } catch (SQLException e) {
            throw new PostgresException("cannot tell whether the server is still in recovery: " + e.getMessage(), e);
        }
    }

    /** Whether a server accepts connections here and says its data directory is ours. */
    private boolean answersForOurDataDirectory() {
        try (Connection connection = connect(); Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SHOW data_directory")) {
            return row.next() && Files.isSameFile(Path.of(row.getString(1)), dataDirectory.path());
        } catch (SQLException | IOException | java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    private void createStandbySignal() {
        osUser.writePrivateFile(dataDirectory.file("standby.signal"), "");
    }

    private void prepareOwnDirectories() {
        osUser.createPrivateDirectory(config.stateDirectory());
        osUser.createPrivateDirectory(config.socketDirectory());
    }

    private void waitUntil(String what, BooleanSupplier condition) {
        waitUntil(what, POLL_INTERVAL, condition);
    }

    private void waitUntil(String what, Duration interval, BooleanSupplier condition) {
        Instant deadline = Instant.now().plus(config.startTimeout());
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new CommandFailedException("timed out after " + config.startTimeout().toSeconds()
                        + "s waiting for " + what, serverLogTail());
            }
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PostgresException("interrupted waiting for " + what, e);
            }
        }
    }

    private String serverLogTail() {
        try {
            return "server log " + config.serverLog() + ":\n"
                    + CommandResult.tail(Files.readString(config.serverLog(), StandardCharsets.UTF_8), LOG_TAIL_LINES);
        } catch (IOException e) {
            return "(no server log at " + config.serverLog() + ")";
        }
    }

    private static void deleteIfExists(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + file, e);
        }
    }
}
