package dev.pgmanager.postgres;

import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;

/**
 * The login roles and databases of the primary, as flyctl manages them ({@code fly pg users}, {@code fly pg db},
 * {@code fly pg attach} and {@code detach}). Names are checked against a strict pattern and always quoted; passwords
 * are set as SCRAM-SHA-256 verifiers computed here, so a password never reaches the server or its statement log.
 */
public final class UsersAndDatabases {
    /** Letters, digits and '_', starting with a letter or '_', at most 63 bytes (PostgreSQL's identifier limit). */
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
    private static final Set<String> TEMPLATES = Set.of("template0", "template1");

    /** A login role. */
    public record User(String username, boolean superuser, List<String> databases) {}

    /** A database and the login roles that may connect to it. */
    public record Database(String name, List<String> users) {}

    /** Bad input (4xx): the message says what and that nothing changed. */
    public static final class Refused extends RuntimeException {
        private final int status;

        Refused(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private final DatabaseAttachment.Connector connector;
    private final Set<String> reserved;

    /**
     * @param reserved the roles nobody may create or drop through this class: pgmanager's superuser and replication
     *                 roles, and the operator's {@code postgres}
     */
    public UsersAndDatabases(DatabaseAttachment.Connector connector, Set<String> reserved) {
        this.connector = connector;
        this.reserved = Set.copyOf(reserved);
    }

    public List<User> users() throws SQLException {
        List<User> users = new ArrayList<>();
        try (Connection c = connector.open("postgres"); Statement s = c.createStatement(); ResultSet r = s.executeQuery("""
                SELECT r.rolname, r.rolsuper,
                       coalesce((SELECT array_agg(d.datname::text ORDER BY d.datname) FROM pg_database d
                                 WHERE NOT d.datistemplate AND has_database_privilege(r.oid, d.oid, 'CONNECT')), '{}')
                FROM pg_roles r WHERE r.rolcanlogin ORDER BY r.rolname""")) {
            while (r.next()) users.add(new User(r.getString(1), r.getBoolean(2), strings(r.getArray(3))));
        }
        return users;
    }

    public Optional<User> user(String name) throws SQLException {
        return users().stream().filter(u -> u.username().equals(name)).findFirst();
    }

    public List<Database> databases() throws SQLException {
        List<Database> databases = new ArrayList<>();
        try (Connection c = connector.open("postgres"); Statement s = c.createStatement(); ResultSet r = s.executeQuery("""
                SELECT d.datname,
                       coalesce((SELECT array_agg(r.rolname::text ORDER BY r.rolname) FROM pg_roles r
                                 WHERE r.rolcanlogin AND has_database_privilege(r.oid, d.oid, 'CONNECT')), '{}')
                FROM pg_database d WHERE NOT d.datistemplate ORDER BY d.datname""")) {
            while (r.next()) databases.add(new Database(r.getString(1), strings(r.getArray(2))));
        }
        return databases;
    }

    public Optional<Database> database(String name) throws SQLException {
        return databases().stream().filter(d -> d.name().equals(name)).findFirst();
    }

    /**
     * Creates a login role. A superuser gets SUPERUSER; any other role may read and write every database
     * ({@code pg_read_all_data}, {@code pg_write_all_data}), which is what postgres-flex gives the roles flyctl creates
     * and what {@code fly pg attach} relies on for a database that already holds data.
     */
    public void createUser(String name, String password, boolean superuser) throws SQLException {
        requireName("user", name);
        requireNotReserved(name);
        if (password == null || password.isEmpty()) throw new Refused(400, "a password is required (nothing was changed)");
        try (Connection c = connector.open("postgres"); Statement s = c.createStatement()) {
            if (DatabaseAttachment.exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", name)) {
                throw new Refused(409, "role " + name + " already exists (nothing was changed)");
            }
            c.setAutoCommit(false);
            s.execute("CREATE ROLE " + DatabaseAttachment.quote(name) + " LOGIN" + (superuser ? " SUPERUSER" : ""));
            c.unwrap(PGConnection.class).alterUserPassword(name, password.toCharArray(), "scram-sha-256");
            if (!superuser) s.execute("GRANT pg_read_all_data, pg_write_all_data TO " + DatabaseAttachment.quote(name));
            c.commit();
        }
    }

    /** Drops a login role and keeps its data, as {@code pgmanager detach} does. */
    public void deleteUser(String name) throws SQLException {
        requireName("user", name);
        requireNotReserved(name);
        if (user(name).isEmpty()) throw new Refused(404, "there is no role " + name + " (nothing was changed)");
        try {
            new DatabaseAttachment(connector).detach(name);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new Refused(409, e.getMessage());
        }
    }

    /** Creates a database whose {@code public} schema every role may create in, as postgres-flex does for flyctl. */
    public void createDatabase(String name) throws SQLException {
        requireName("database", name);
        if (TEMPLATES.contains(name)) throw new Refused(400, name + " is a template database (nothing was changed)");
        try (Connection c = connector.open("postgres"); Statement s = c.createStatement()) {
            if (DatabaseAttachment.exists(c, "SELECT 1 FROM pg_database WHERE datname = ?", name)) {
                throw new Refused(409, "database " + name + " already exists (nothing was changed)");
            }
            s.execute("CREATE DATABASE " + DatabaseAttachment.quote(name));
        }
        try (Connection c = connector.open(name); Statement s = c.createStatement()) {
            s.execute("GRANT CREATE ON SCHEMA public TO PUBLIC");
        }
    }

    private void requireNotReserved(String name) {
        if (reserved.contains(name) || name.startsWith("pg_")) {
            throw new Refused(403, "role " + name + " is reserved (pgmanager's superuser, its replication role, the operator's "
                    + "postgres, or PostgreSQL's own pg_ roles): nothing was changed");
        }
    }

    private static void requireName(String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new Refused(400, "'" + name + "' is not a valid " + what + " name: use 1 to 63 letters, digits or '_', starting "
                    + "with a letter or '_' (nothing was changed)");
        }
    }

    private static List<String> strings(Array array) throws SQLException {
        return array == null ? List.of() : List.of((String[]) array.getArray());
    }
}
