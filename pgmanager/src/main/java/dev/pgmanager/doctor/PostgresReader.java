package dev.pgmanager.doctor;

import dev.pgmanager.doctor.ServerFacts.Receiver;
import dev.pgmanager.doctor.ServerFacts.Slot;
import dev.pgmanager.net.HostPort;
import dev.pgmanager.postgres.Credentials;
import dev.pgmanager.postgres.Lsn;
import dev.pgmanager.postgres.TimelineHistory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/** Reads one member's {@link ServerFacts} over a short-lived JDBC connection as the superuser. */
final class PostgresReader {
    private static final String CONNECT_TIMEOUT_SECONDS = "3";
    private static final String SOCKET_TIMEOUT_SECONDS = "5";

    private PostgresReader() {}

    static ServerFacts read(String address, int port, Credentials superuser) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", superuser.user());
        p.setProperty("password", superuser.password());
        p.setProperty("connectTimeout", CONNECT_TIMEOUT_SECONDS);
        p.setProperty("socketTimeout", SOCKET_TIMEOUT_SECONDS);
        p.setProperty("ApplicationName", "pgmanager doctor");
        try (Connection c = DriverManager.getConnection(new HostPort(address, port).jdbcUrl("postgres"), p)) {
            boolean primary = !bool(c, "SELECT pg_is_in_recovery()");
            Optional<Receiver> receiver = receiver(c);
            Optional<String[]> conninfo = row(c, "SELECT setting, sourcefile FROM pg_settings WHERE name = 'primary_conninfo'");
            Optional<String> setting = conninfo.map(r -> r[0]).filter(s -> !s.isBlank());
            Optional<String> source = conninfo.map(r -> r[1]);
            if (primary) {
                String[] r = row(c, """
                        SELECT pg_current_wal_lsn(), ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int""")
                        .orElseThrow();
                long timeline = Long.parseLong(r[1]);
                return new ServerFacts(true, timeline, Optional.empty(), Optional.empty(), Optional.of(Lsn.parse(r[0])), receiver,
                        setting, source, slots(c), switchpoints(c, timeline));
            }
            String[] r = row(c, """
                    SELECT pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn(),
                           (SELECT received_tli FROM pg_stat_wal_receiver), (SELECT timeline_id FROM pg_control_checkpoint())""")
                    .orElseThrow();
            long timeline = r[2] != null && !r[2].equals("0") ? Long.parseLong(r[2]) : Long.parseLong(r[3]);
            return new ServerFacts(false, timeline, lsn(r[0]), lsn(r[1]), Optional.empty(), receiver, setting, source,
                    List.of(), Map.of());
        }
    }

    private static Optional<Receiver> receiver(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT status, sender_host, sender_port, conninfo FROM pg_stat_wal_receiver")) {
            if (!r.next()) return Optional.empty();
            int port = r.getInt(3);
            Optional<Integer> senderPort = r.wasNull() ? Optional.empty() : Optional.of(port);
            return Optional.of(new Receiver(r.getString(1), Optional.ofNullable(r.getString(2)), senderPort,
                    Optional.ofNullable(r.getString(4))));
        }
    }

    private static List<Slot> slots(Connection c) throws SQLException {
        List<Slot> slots = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet r = s.executeQuery("""
                     SELECT slot_name, active, restart_lsn, wal_status,
                            coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), 0)::bigint
                     FROM pg_replication_slots WHERE slot_type = 'physical' ORDER BY slot_name""")) {
            while (r.next()) {
                slots.add(new Slot(r.getString(1), r.getBoolean(2), lsn(r.getString(3)), Optional.ofNullable(r.getString(4)),
                        r.getLong(5)));
            }
        }
        return slots;
    }

    /** The earlier timelines of {@code timeline}'s history and where each ended (timeline 1 has none). */
    private static Map<Long, Lsn> switchpoints(Connection c, long timeline) throws SQLException {
        if (timeline <= 1) return Map.of();
        try (PreparedStatement s = c.prepareStatement("SELECT pg_read_file(?)")) {
            s.setString(1, "pg_wal/%08X.history".formatted(timeline));
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return TimelineHistory.switchpoints(r.getString(1));
            }
        }
    }

    private static boolean bool(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getBoolean(1);
        }
    }

    private static Optional<String[]> row(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            if (!r.next()) return Optional.empty();
            String[] values = new String[r.getMetaData().getColumnCount()];
            for (int i = 0; i < values.length; i++) values[i] = r.getString(i + 1);
            return Optional.of(values);
        }
    }

    private static Optional<Lsn> lsn(String text) {
        return Optional.ofNullable(text).map(Lsn::parse);
    }
}
