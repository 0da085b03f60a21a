package dev.pgmanager.platform.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A client that inserts an increasing sequence number every interval, the way an application keeps writing through
 * a failover: one connection, reconnecting (to whichever host is writable) after any error. Each acknowledged insert
 * is remembered with the moment it was acknowledged, so a test or benchmark can measure the write gap and count the
 * acknowledged writes that a failover lost.
 */
public final class SequenceWriter implements AutoCloseable {
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(3);

    /**
     * What the writer does on the same connection right after an insert committed, before it counts the insert as
     * acknowledged; a failure counts as a failed write.
     */
    @FunctionalInterface
    interface AfterCommit {
        AfterCommit NOTHING = (connection, at) -> {};

        void run(Connection connection, Instant acknowledgedAt) throws SQLException;
    }

    private final String jdbcUrl;
    private final Properties credentials;
    private final Duration interval;
    private final String table;
    private final ConcurrentSkipListMap<Long, Instant> acknowledged = new ConcurrentSkipListMap<>();
    private final AfterCommit afterCommit;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile String lastError = "";
    private volatile int errors;
    private Connection connection;

    /**
     * @param jdbcUrl a {@code jdbc:postgresql://} URL; list every member and {@code targetServerType=primary} to
     *     follow the primary
     */
    public SequenceWriter(String jdbcUrl, String user, String password, String table, Duration interval) throws SQLException {
        this(jdbcUrl, user, password, table, interval, SOCKET_TIMEOUT, AfterCommit.NOTHING);
    }

    /**
     * @param socketTimeout how long one statement may wait for the server before the connection is given up
     * @param afterCommit   run after each committed insert, on its connection
     */
    SequenceWriter(String jdbcUrl, String user, String password, String table, Duration interval, Duration socketTimeout,
            AfterCommit afterCommit) throws SQLException {
        this.jdbcUrl = jdbcUrl;
        this.afterCommit = afterCommit;
        this.credentials = new Properties();
        credentials.setProperty("user", user);
        credentials.setProperty("password", password);
        credentials.setProperty("connectTimeout", "2");
        credentials.setProperty("socketTimeout", Long.toString(socketTimeout.toSeconds()));
        credentials.setProperty("loginTimeout", "3");
        // The write gap measures the cluster, not the client's TLS handshakes (a pooled application reconnects rarely;
        // this writer reconnects through every host at every failover), and stays comparable with the anchors, which
        // run without TLS.
        credentials.setProperty("sslmode", "disable");
        this.interval = interval;
        this.table = table;
        try (Connection c = DriverManager.getConnection(jdbcUrl, credentials); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + table + " (seq bigint PRIMARY KEY, written_at timestamptz DEFAULT now())");
        }
        this.thread = Thread.ofPlatform().name("writer-" + table).daemon().start(this::writeLoop);
    }

    /**
     * Builds a JDBC URL that follows the primary among {@code hostPorts} ("host:port" each, an IPv6 host in brackets:
     * see {@link dev.pgmanager.net.HostPort}).
     */
    public static String primaryUrl(List<String> hostPorts, String database) {
        return "jdbc:postgresql://" + String.join(",", hostPorts) + "/" + database + "?targetServerType=primary";
    }

    private void writeLoop() {
        long seq = 1;
        while (running) {
            long started = System.nanoTime();
            try {
                if (connection == null) connection = DriverManager.getConnection(jdbcUrl, credentials);
                try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table + " (seq) VALUES (?)")) {
                    insert.setLong(1, seq);
                    insert.executeUpdate();
                }
                Instant at = Instant.now();
                afterCommit.run(connection, at);
                acknowledged.put(seq, at);
                seq++;
            } catch (SQLException e) {
                errors++;
                lastError = e.getMessage();
                closeConnection();
                // A failed insert may or may not have committed; use a new number so it can never be confused.
                seq++;
            }
            long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
            sleep(Math.max(0, interval.toMillis() - elapsedMillis));
        }
        closeConnection();
    }

    public int acknowledgedCount() {
        return acknowledged.size();
    }

    public Instant lastAcknowledged() {
        return acknowledged.isEmpty() ? Instant.MIN : acknowledged.lastEntry().getValue();
    }

    public String lastError() {
        return lastError;
    }

    /** Writes that failed (including those whose after-commit step failed). */
    public int errors() {
        return errors;
    }

    /** When the first write acknowledged after {@code since} was acknowledged, if one was. */
    public Optional<Instant> firstAcknowledgedAfter(Instant since) {
        return acknowledged.values().stream().filter(at -> at.isAfter(since)).min(Instant::compareTo);
    }

    /** The longest time between two consecutive acknowledged writes acknowledged after {@code since}. */
    public Duration longestGapSince(Instant since) {
        return longestGap(since).length();
    }

    /** When the write that ended the longest gap since {@code since} was acknowledged (after a failover: the new primary's first). */
    public Instant endOfLongestGapSince(Instant since) {
        return longestGap(since).end();
    }

    private record Gap(Duration length, Instant end) {}

    private Gap longestGap(Instant since) {
        Gap longest = new Gap(Duration.ZERO, Instant.MIN);
        Instant previous = null;
        for (Instant at : acknowledged.values()) {
            if (at.isBefore(since)) {
                previous = at;
                continue;
            }
            if (previous != null) {
                Duration gap = Duration.between(previous, at);
                if (gap.compareTo(longest.length()) > 0) longest = new Gap(gap, at);
            }
            previous = at;
        }
        return longest;
    }

    /**
     * Sequence numbers acknowledged before this call that are missing from the table as {@code reader} sees it now.
     * The acknowledged ones are taken first: one acknowledged while the table is read, by a writer still running, may
     * not be in what was read, and is not lost.
     */
    public List<Long> lostWrites(Connection reader) throws SQLException {
        List<Long> acknowledgedBefore = List.copyOf(acknowledged.keySet());
        Set<Long> present = new HashSet<>();
        try (Statement s = reader.createStatement(); ResultSet rows = s.executeQuery("SELECT seq FROM " + table)) {
            while (rows.next()) present.add(rows.getLong(1));
        }
        List<Long> lost = new ArrayList<>();
        for (Long seq : acknowledgedBefore) if (!present.contains(seq)) lost.add(seq);
        return lost;
    }

    /** When {@code seq} was acknowledged. */
    public Instant acknowledgedAt(long seq) {
        return acknowledged.get(seq);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(Duration.ofSeconds(10));
    }

    private void closeConnection() {
        if (connection == null) return;
        try {
            connection.close();
        } catch (SQLException ignored) {
            // it is broken anyway
        }
        connection = null;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
