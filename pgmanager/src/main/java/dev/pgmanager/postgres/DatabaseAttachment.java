package dev.pgmanager.postgres;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;

/**
 * Gives an application its own role and database on the primary ({@code attach}), and takes the role away again
 * without its data ({@code detach}). Names are checked against a strict pattern and always quoted as identifiers;
 * the password is set with a SCRAM-SHA-256 verifier computed on this side, so the password itself never reaches the
 * server (nor its statement log).
 */
public final class DatabaseAttachment {
    /** Letters, digits, '_' and '-', starting with a letter or '_', at most 63 bytes: PostgreSQL's identifier limit. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]{0,62}");
    private static final Set<String> TEMPLATES = Set.of("template0", "template1");
    private static final String PASSWORD_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    /** 32 characters of 62: about 190 bits. */
    private static final int PASSWORD_LENGTH = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Opens a superuser connection to one database of the primary. */
    @FunctionalInterface
    public interface Connector {
        Connection open(String database) throws SQLException;
    }

    /**
     * What attach did.
     *
     * @param password the role's new password (shown once, to the operator)
     * @param createdRole false when an existing role's password was reset ({@code --force})
     * @param createdDatabase false when the database existed (the role was granted its privileges)
     */
    public record Attached(String password, boolean createdRole, boolean createdDatabase) {
        @Override
        public String toString() {
            return "Attached[createdRole=" + createdRole + ", createdDatabase=" + createdDatabase + "]";
        }
    }

    /**
     * What detach did.
     *
     * @param ownedDatabases the databases the role owned, which now belong to the new owner
     */
    public record Detached(List<String> ownedDatabases) {}

    private final Connector connector;

    /** {@code connector} connects as the superuser, who receives what a detached role owned. */
    public DatabaseAttachment(Connector connector) {
        this.connector = connector;
    }

    /** Rejects a name that is not a plain identifier, a template database and PostgreSQL's own {@code pg_} roles. */
    public static void requireApplicationNames(String database, String user) {
        requireName("--database-name", database);
        if (TEMPLATES.contains(database)) throw new IllegalArgumentException("--database-name " + database + " is a template database");
        requireApplicationUser(user);
    }

    public static void requireApplicationUser(String user) {
        requireName("--database-user", user);
        if (user.startsWith("pg_")) throw new IllegalArgumentException("--database-user " + user + ": pg_ roles are PostgreSQL's own");
    }

    /**
     * The roles pgmanager itself needs, the superuser it connects as, the bootstrap superuser and every role with
     * REPLICATION (the replicas stream as one), are never attached or detached: resetting or dropping them would cut
     * the sidecars or the replicas off.
     */
    private static void requireNotPgmanagers(Connection c, String user) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(
                "SELECT 1 FROM pg_roles WHERE rolname = ? AND (rolreplication OR rolname = current_user OR oid = 10)")) {
            p.setString(1, user);
            try (ResultSet r = p.executeQuery()) {
                if (r.next()) {
                    throw new IllegalArgumentException("--database-user " + user + " is a role pgmanager needs (the superuser "
                            + "or a replication role): choose an application role of its own (nothing was changed)");
                }
            }
        }
    }

    /**
     * Creates role {@code user} (LOGIN, a new random password) and database {@code database} owned by it; when the
     * database exists (a fork holds the application's data), the role gets every privilege on it, on its
     * {@code public} schema and on the tables and sequences there.
     *
     * @param force reset the password of an existing role instead of refusing
     * @throws RoleExistsException when the role exists and {@code force} is false; nothing was changed
     */
    public Attached attach(String database, String user, boolean superuserRole, boolean force) throws SQLException {
        requireApplicationNames(database, user);
        String password = newPassword();
        boolean createdRole;
        boolean createdDatabase;
        try (Connection c = connector.open("postgres"); Statement s = c.createStatement()) {
            requireNotPgmanagers(c, user);
            boolean roleExists = exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", user);
            if (roleExists && !force) throw new RoleExistsException(user);
            createdRole = !roleExists;
            String options = "LOGIN" + (superuserRole ? " SUPERUSER" : "");
            s.execute((roleExists ? "ALTER ROLE " : "CREATE ROLE ") + quote(user) + " " + options);
            c.unwrap(PGConnection.class).alterUserPassword(user, password.toCharArray(), "scram-sha-256");
            createdDatabase = !exists(c, "SELECT 1 FROM pg_database WHERE datname = ?", database);
            if (createdDatabase) {
                s.execute("CREATE DATABASE " + quote(database) + " OWNER " + quote(user));
            } else {
                s.execute("GRANT ALL PRIVILEGES ON DATABASE " + quote(database) + " TO " + quote(user));
            }
        }
        if (!createdDatabase) {
            try (Connection c = connector.open(database); Statement s = c.createStatement()) {
                if (exists(c, "SELECT 1 FROM pg_namespace WHERE nspname = ?", "public")) {
                    s.execute("GRANT ALL ON SCHEMA public TO " + quote(user));
                    s.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO " + quote(user));
                    s.execute("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO " + quote(user));
                }
            }
        }
        return new Attached(password, createdRole, createdDatabase);
    }

    /**
     * Drops role {@code user} and keeps its data: it may no longer log in, its sessions are ended, everything it owns
     * in every database (tables, sequences, the databases themselves) is given to the superuser, its remaining
     * privileges are revoked, then the role is dropped.
     *
     * @throws IllegalStateException when there is no such role
     */
    public Detached detach(String user) throws SQLException {
        requireApplicationUser(user);
        List<String> databases = new ArrayList<>();
        List<String> owned = new ArrayList<>();
        try (Connection c = connector.open("postgres"); Statement s = c.createStatement()) {
            if (!exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", user)) {
                throw new IllegalStateException("there is no role " + user + " (nothing was changed)");
            }
            requireNotPgmanagers(c, user);
            s.execute("ALTER ROLE " + quote(user) + " NOLOGIN");
            try (PreparedStatement terminate = c.prepareStatement(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ?")) {
                terminate.setString(1, user);
                terminate.executeQuery().close();
            }
            try (ResultSet r = s.executeQuery("SELECT datname FROM pg_database WHERE datallowconn ORDER BY datname")) {
                while (r.next()) databases.add(r.getString(1));
            }
            try (PreparedStatement ownedBy = c.prepareStatement(
                    "SELECT datname FROM pg_database WHERE datdba = (SELECT oid FROM pg_roles WHERE rolname = ?) ORDER BY datname")) {
                ownedBy.setString(1, user);
                try (ResultSet r = ownedBy.executeQuery()) {
                    while (r.next()) owned.add(r.getString(1));
                }
            }
        }
        // REASSIGN and DROP OWNED act on the current database (and on shared objects such as databases): each in turn.
        for (String database : databases) {
            try (Connection c = connector.open(database); Statement s = c.createStatement()) {
                s.execute("REASSIGN OWNED BY " + quote(user) + " TO CURRENT_USER");
                s.execute("DROP OWNED BY " + quote(user));
            }
        }
        try (Connection c = connector.open("postgres"); Statement s = c.createStatement()) {
            s.execute("DROP ROLE " + quote(user));
        }
        return new Detached(owned);
    }

    /** The role to attach exists already. */
    public static final class RoleExistsException extends IllegalStateException {
        RoleExistsException(String user) {
            super("role " + user + " already exists (nothing was changed): choose another --database-user, or give "
                    + "--force to reset its password (its applications must then use the new one)");
        }
    }

    private static void requireName(String option, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(option + " '" + name + "' is not a valid name: use 1 to 63 letters, digits, "
                    + "'_' or '-', starting with a letter or '_'");
        }
    }

    /** A quoted identifier; the names are checked, and quoting still doubles any quote, as PostgreSQL's quote_ident does. */
    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    static boolean exists(Connection c, String query, String value) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(query)) {
            p.setString(1, value);
            try (ResultSet r = p.executeQuery()) {
                return r.next();
            }
        }
    }

    private static String newPassword() {
        StringBuilder password = new StringBuilder(PASSWORD_LENGTH);
        for (int i = 0; i < PASSWORD_LENGTH; i++) password.append(PASSWORD_ALPHABET.charAt(RANDOM.nextInt(PASSWORD_ALPHABET.length())));
        return password.toString();
    }
}
