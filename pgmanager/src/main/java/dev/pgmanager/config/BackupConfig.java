package dev.pgmanager.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Continuous WAL archiving and scheduled base backups to an S3 bucket, done by pgBackRest. On Fly the bucket is a
 * Tigris bucket, and {@code fly storage create} sets the variables these settings read ({@code BUCKET_NAME},
 * {@code AWS_ENDPOINT_URL_S3}, {@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY}, {@code AWS_REGION}).
 *
 * @param repository where the backups go; empty: no bucket is configured, and the cluster has no backups
 * @param schedule   when base backups are taken and how long they are kept
 * @param restoreFrom what a new cluster's first member restores instead of creating an empty database; empty: it
 *                   creates one
 * @param serverPort where this member's pgBackRest server listens, on its own address, for the leader that takes a
 *                   backup from it while it is a replica
 */
public record BackupConfig(Optional<Repository> repository, Schedule schedule, Optional<RestoreSource> restoreFrom, int serverPort) {
    /** pgBackRest's own default port for its server. */
    public static final int DEFAULT_SERVER_PORT = 8432;
    public static final BackupConfig NONE = new BackupConfig(Optional.empty(), Schedule.DEFAULTS, Optional.empty());

    public BackupConfig {
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(restoreFrom, "restoreFrom");
    }

    public BackupConfig(Optional<Repository> repository, Schedule schedule, Optional<RestoreSource> restoreFrom) {
        this(repository, schedule, restoreFrom, DEFAULT_SERVER_PORT);
    }

    public BackupConfig(Optional<Repository> repository, Schedule schedule) {
        this(repository, schedule, Optional.empty());
    }

    /**
     * Another cluster's backups, in the same bucket under {@code /pgmanager/<cluster>}, that a new cluster starts from.
     *
     * @param cluster    the source cluster's name (its app)
     * @param backup     the backup to start from; empty: the newest that reaches the target
     * @param targetTime replay the archive to this moment; empty: to its end
     */
    public record RestoreSource(String cluster, Optional<String> backup, Optional<java.time.Instant> targetTime) {
        public RestoreSource {
            Objects.requireNonNull(cluster, "cluster");
            Objects.requireNonNull(backup, "backup");
            Objects.requireNonNull(targetTime, "targetTime");
        }
    }

    public boolean enabled() {
        return repository.isPresent();
    }

    /**
     * An S3 bucket and the prefix in it that holds one cluster's backups. Each cluster has a path of its own: two
     * clusters never write the same repository path.
     *
     * @param endpoint  {@code https://host[:port]}: pgBackRest speaks S3 over TLS only
     * @param path      the prefix in the bucket, {@code /pgmanager/<app>} unless set
     * @param caFile    a CA certificate to trust for the endpoint instead of the system's
     */
    public record Repository(String bucket, URI endpoint, String region, String accessKeyId, String secretAccessKey,
                             String path, Optional<Path> caFile) {
        public Repository {
            Objects.requireNonNull(bucket, "bucket");
            Objects.requireNonNull(endpoint, "endpoint");
            Objects.requireNonNull(region, "region");
            Objects.requireNonNull(accessKeyId, "accessKeyId");
            Objects.requireNonNull(secretAccessKey, "secretAccessKey");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(caFile, "caFile");
        }

        public String host() {
            return endpoint.getHost().replaceAll("^\\[|\\]$", "");
        }

        public int port() {
            return endpoint.getPort() == -1 ? 443 : endpoint.getPort();
        }

        /** The same bucket, the path of another cluster (a restore reads the source's, then writes its own). */
        public Repository withPath(String otherPath) {
            return new Repository(bucket, endpoint, region, accessKeyId, secretAccessKey, otherPath, caFile);
        }

        @Override
        public String toString() {
            return "Repository[s3://" + bucket + path + " at " + endpoint + ", region " + region + ", key " + accessKeyId + "]";
        }
    }

    /**
     * @param fullEvery       a full backup when the last one is older than this
     * @param differentialEvery a differential backup (what changed since the last full) when the last backup of any
     *                        kind is older than this
     * @param recoveryWindow  how far back a restore can reach: backups are removed only when no point in the window
     *                        needs them
     * @param archiveTimeout  PostgreSQL's {@code archive_timeout}: the longest a written transaction waits before its
     *                        WAL segment is archived, so the most a lost volume can lose (the recovery point objective)
     */
    public record Schedule(Duration fullEvery, Duration differentialEvery, Duration recoveryWindow, Duration archiveTimeout) {
        public static final Schedule DEFAULTS = new Schedule(Duration.ofDays(7), Duration.ofDays(1), Duration.ofDays(7),
                Duration.ofSeconds(50));

        public Schedule {
            Objects.requireNonNull(fullEvery, "fullEvery");
            Objects.requireNonNull(differentialEvery, "differentialEvery");
            Objects.requireNonNull(recoveryWindow, "recoveryWindow");
            Objects.requireNonNull(archiveTimeout, "archiveTimeout");
        }
    }
}
