package dev.pgmanager.config;

/**
 * How thoroughly a migrated member checks its forked data before it rejoins: {@code FULL} also reads every page and
 * verifies its checksum, {@code QUICK} checks only that the data is this cluster's and its control file is sane,
 * {@code OFF} checks nothing.
 */
public enum MigrationVerification { FULL, QUICK, OFF }
