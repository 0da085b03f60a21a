package dev.pgmanager.postgres;

/**
 * The libpq password file the WAL receiver reads ({@code passfile=} in primary_conninfo), so that the
 * replication password lives in a file only the OS user can read, not in the server configuration.
 */
final class PassFile {
    private PassFile() {}

    static void write(PostgresConfig config, OsUser osUser, Upstream upstream) {
        Credentials credentials = upstream.replication();
        StringBuilder lines = new StringBuilder();
        // libpq matches the entry against host, or against hostaddr only when no host is given; an Upstream always
        // has a host, so the address (which changes when the upstream moves) is not written here
        lines.append(line(upstream.host(), upstream.port(), credentials));
        osUser.writePrivateFile(config.passfile(), lines.toString());
    }

    private static String line(String host, int port, Credentials credentials) {
        return String.join(":", escape(host), Integer.toString(port), "*", escape(credentials.user()),
                escape(credentials.password())) + "\n";
    }

    private static String escape(String field) {
        return field.replace("\\", "\\\\").replace(":", "\\:");
    }
}
