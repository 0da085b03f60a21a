package dev.pgmanager.postgres;

/** What a PostgreSQL server is doing right now. */
public enum PgRole {
    PRIMARY,
    REPLICA,
    STOPPED
}
