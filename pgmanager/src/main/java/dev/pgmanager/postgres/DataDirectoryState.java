package dev.pgmanager.postgres;

/** What a data directory holds. */
public enum DataDirectoryState {
    /** Missing or empty: safe to initialize or clone into. */
    EMPTY,
    /** A PostgreSQL cluster ({@code PG_VERSION} is present). */
    CLUSTER,
    /** Something else: never written to. */
    FOREIGN
}
