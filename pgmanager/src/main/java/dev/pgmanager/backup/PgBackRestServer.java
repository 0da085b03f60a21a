package dev.pgmanager.backup;

import dev.pgmanager.postgres.CommandResult;
import dev.pgmanager.postgres.OsUser;
import dev.pgmanager.postgres.PgCommandRunner;
import dev.pgmanager.postgres.PostgresException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This member's {@code pgbackrest server}: while the member is a replica, the leader's backup reads the data
 * directory's files through it, so that a base backup costs the primary only its start and stop. It listens on the
 * member's own address, admits only clients with a certificate of the cluster ({@link BackupTls}), and holds no bucket
 * keys (the leader writes the repository). It runs as a child of the sidecar, dies with it, and is started again if
 * it exits.
 */
public final class PgBackRestServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PgBackRestServer.class);
    private static final Duration RESTART_DELAY = Duration.ofSeconds(5);
    private static final Duration FOREVER = Duration.ofDays(3650);

    private final Thread thread;
    private volatile boolean closed;

    private PgBackRestServer(OsUser osUser, Path configFile) {
        PgCommandRunner runner = new PgCommandRunner(osUser);
        // setpriv ties the server to this thread's life: a sidecar killed outright takes it along
        List<String> command = List.of("setpriv", "--pdeathsig", "TERM", "--", PgBackRest.PROGRAM, "--config=" + configFile, "server");
        this.thread = Thread.ofPlatform().daemon().name("pgbackrest-server").start(() -> supervise(runner, command));
    }

    /** Writes the server's configuration (beside the member's pgBackRest files) and starts it. */
    public static PgBackRestServer start(OsUser osUser, Path configFile, BackupTls tls, InetAddress address, int port, String stanza,
            Path workDir) {
        osUser.writePrivateFile(configFile, configText(tls, address, port, stanza, workDir));
        log.info("pgBackRest's server listens on [{}]:{} for backups taken from this member", address.getHostAddress(), port);
        return new PgBackRestServer(osUser, configFile);
    }

    static String configText(BackupTls tls, InetAddress address, int port, String stanza, Path workDir) {
        return "# Written by pgmanager at each start; edits here are lost.\n[global]\n"
                + "tls-server-address=" + BackupTls.hostText(address) + "\n"
                + "tls-server-port=" + port + "\n"
                + "tls-server-cert-file=" + tls.serverCertificate() + "\n"
                + "tls-server-key-file=" + tls.serverKey() + "\n"
                + "tls-server-ca-file=" + tls.caFile() + "\n"
                + "tls-server-auth=" + BackupTls.CLIENT_NAME + "=" + stanza + "\n"
                + "lock-path=" + workDir.resolve("lock") + "\n"
                + "log-path=" + workDir.resolve("log") + "\n"
                + "log-level-file=info\nlog-level-console=off\nlog-level-stderr=off\n";
    }

    private void supervise(PgCommandRunner runner, List<String> command) {
        while (!closed) {
            try {
                CommandResult result = runner.run(command, Map.of(), FOREVER, null);
                if (closed) return;
                log.warn("pgBackRest's server exited with {} ({}); starting it again in {} s: until then, backups are taken "
                        + "from the primary", result.exitCode(), result.outputTail(), RESTART_DELAY.toSeconds());
            } catch (PostgresException e) {
                if (closed) return;
                log.warn("cannot run pgBackRest's server: {}; trying again in {} s", e.getMessage(), RESTART_DELAY.toSeconds());
            }
            try {
                Thread.sleep(RESTART_DELAY);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Stops the server (the runner kills it when its thread is interrupted) and waits for that. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
