package dev.pgmanager.backup;

import dev.pgmanager.config.BackupConfig.Repository;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The pgBackRest configuration file of one cluster's repository and one local PostgreSQL data directory. It holds the
 * bucket's keys, so it is written readable by the OS user only, beside the data directory (never inside it, where
 * pg_basebackup would copy it to other members).
 *
 * @param stanza     pgBackRest's name for the cluster: the app, so that the repository path and the stanza agree
 * @param dataDir    the data directory pgBackRest reads (backup, archive-push) or fills (restore)
 * @param workDir    pgBackRest's own files: the spool of asynchronous archiving, locks and logs
 * @param socketDir  where the server's socket is; pgBackRest logs in over it as the OS user
 */
public record PgBackRestConfig(Repository repository, String stanza, Path dataDir, int port, Path socketDir, String osUser,
                               Path workDir) {
    /** Compression with a good ratio at a low CPU cost, parallel over two processes: the machines are small. */
    static final String COMPRESS_TYPE = "zst";
    static final int PROCESS_MAX = 2;

    public PgBackRestConfig {
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(stanza, "stanza");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(socketDir, "socketDir");
        Objects.requireNonNull(osUser, "osUser");
        Objects.requireNonNull(workDir, "workDir");
    }

    /** The file's text. pgBackRest reads {@code key=value} lines as they are: no value here may hold a line break. */
    public String render() {
        StringBuilder text = new StringBuilder("# Written by pgmanager at each start; edits here are lost.\n[global]\n");
        line(text, "repo1-type", "s3");
        line(text, "repo1-s3-bucket", repository.bucket());
        line(text, "repo1-s3-endpoint", repository.host());
        line(text, "repo1-storage-port", Integer.toString(repository.port()));
        line(text, "repo1-s3-region", repository.region());
        line(text, "repo1-s3-key", repository.accessKeyId());
        line(text, "repo1-s3-key-secret", repository.secretAccessKey());
        // Tigris, S3Proxy and MinIO take the bucket in the path; virtual hosts need a DNS name per bucket.
        line(text, "repo1-s3-uri-style", "path");
        line(text, "repo1-path", repository.path());
        repository.caFile().ifPresent(ca -> line(text, "repo1-storage-ca-file", ca.toString()));
        // pgmanager removes backups by its recovery window (RecoveryWindow), to the second: pgBackRest's own time
        // retention counts whole days. A count this high never expires anything by itself.
        line(text, "repo1-retention-full-type", "count");
        line(text, "repo1-retention-full", "9999999");
        // Many small files in one object: fewer requests, which object storage bills and rate-limits.
        line(text, "repo1-bundle", "y");
        // An unreachable bucket fails a command in this long rather than pgBackRest's minute: the sidecar reports it sooner,
        // and PostgreSQL's archiver retries anyway.
        line(text, "io-timeout", "20");
        // How long PostgreSQL's archive command waits on the queue before it reports a failure (and a backup waits for
        // its last segment): a failing bucket shows in pg_stat_archiver after this, rather than pgBackRest's minute.
        line(text, "archive-timeout", "30");
        line(text, "compress-type", COMPRESS_TYPE);
        line(text, "process-max", Integer.toString(PROCESS_MAX));
        // A backup starts with an immediate checkpoint instead of waiting for the next one.
        line(text, "start-fast", "y");
        // WAL goes out from a local queue, several segments at a time, so a slow store does not slow the archiver.
        line(text, "archive-async", "y");
        line(text, "spool-path", workDir.resolve("spool").toString());
        line(text, "lock-path", workDir.resolve("lock").toString());
        line(text, "log-path", workDir.resolve("log").toString());
        line(text, "log-level-file", "info");
        line(text, "log-level-console", "warn");
        line(text, "log-level-stderr", "off");
        text.append("\n[").append(stanza).append("]\n");
        line(text, "pg1-path", dataDir.toString());
        line(text, "pg1-port", Integer.toString(port));
        line(text, "pg1-socket-path", socketDir.toString());
        // over the socket by peer identity, as the role named like the OS user (pg_hba.conf admits nothing else there)
        line(text, "pg1-user", osUser);
        return text.toString();
    }

    private static void line(StringBuilder text, String key, String value) {
        if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
            throw new IllegalArgumentException(key + " must fit on one line");
        }
        text.append(key).append('=').append(value).append('\n');
    }
}
