package dev.pgmanager.backup;

import dev.pgmanager.postgres.OsUser;
import dev.pgmanager.store.Member;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This member's part in backups taken from replicas: its {@link BackupTls} certificates and its {@link PgBackRestServer}.
 * They are made on a thread of their own once the sidecar runs, because the CA key's derivation is slow on purpose and a
 * sidecar's start must not wait for it; until they are ready the member offers no backup source, and as leader takes
 * backups from the primary.
 */
public final class BackupServing implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BackupServing.class);

    /** What the certificates and the server need. */
    public record Settings(OsUser osUser, Path tlsDirectory, Path serverConfigFile, Path workDir, String superuserPassword,
                           String stanza, InetAddress address, int port, Member.BackupSource source) {}

    private final Settings settings;
    private final Object lock = new Object();
    private volatile Optional<BackupTls> tls = Optional.empty();
    private volatile Optional<PgBackRestServer> server = Optional.empty();
    private boolean closed;

    public BackupServing(Settings settings) {
        this.settings = settings;
    }

    /** Makes the certificates and starts the server, on a thread of its own. */
    public void start() {
        Thread.ofPlatform().daemon().name("backup-serving").start(this::prepare);
    }

    private void prepare() {
        Settings s = settings;
        BackupTls made;
        try {
            made = BackupTls.make(s.osUser(), s.tlsDirectory(), s.superuserPassword(), s.stanza(), s.address());
        } catch (RuntimeException e) {
            log.warn("cannot make the certificates of backups from replicas ({}): backups are taken from the primary", e.getMessage());
            return;
        }
        tls = Optional.of(made);
        synchronized (lock) {
            if (closed) return;
            try {
                server = Optional.of(PgBackRestServer.start(s.osUser(), s.serverConfigFile(), made, s.address(), s.port(), s.stanza(),
                        s.workDir()));
            } catch (RuntimeException e) {
                log.warn("cannot start pgBackRest's server ({}): backups are taken from the primary while this member is a "
                        + "replica", e.getMessage());
            }
        }
    }

    /** The certificates the leader's backups use; empty until made. */
    public Optional<BackupTls> tls() {
        return tls;
    }

    /** What this member's record offers the leader: present once its server runs. */
    public Optional<Member.BackupSource> source() {
        return server.map(running -> settings.source());
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            server.ifPresent(PgBackRestServer::close);
        }
    }
}
