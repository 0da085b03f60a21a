package dev.pgmanager.api;

import dev.pgmanager.ha.Observation;
import dev.pgmanager.postgres.DatabaseAttachment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The machine checks {@code fly pg create} configures on port 5500, answered as postgres-flex answers them: plain text,
 * 200 when every item passes, 500 with the same lines when one fails. {@code /flycheck/role} answers the role word
 * alone, because flyctl finds the leader by the output of the check named {@code role} ({@code primary}).
 */
final class FlyChecks {
    /** The share of the volume in use past which pgmanager refuses user writes by default (disk.read_only_at). */
    private static final double FREE_SHARE_MINIMUM = 0.10;

    private final SidecarView view;
    private final Clock clock;
    private final Instant startedAt;
    private final DatabaseAttachment.Connector connector;
    private final Path dataDirectory;

    FlyChecks(SidecarView view, Clock clock, DatabaseAttachment.Connector connector, Path dataDirectory) {
        this.view = view;
        this.clock = clock;
        this.startedAt = clock.instant();
        this.connector = connector;
        this.dataDirectory = dataDirectory;
    }

    /** {@code primary} or {@code replica} when PostgreSQL's role agrees with the lease, as {@code /health/role} judges it. */
    ApiResponse role(ApiRequest request) {
        Observation o;
        try {
            o = observation();
        } catch (ApiError e) {
            return ApiResponse.text(500, e.getMessage());
        }
        // a standby cluster's leader streams from the primary outside (moving over): a replica, as far as flyctl goes
        if (o.local().isReplica() && o.iLead() && o.cluster().spec().value().standbyOf().isPresent()) {
            return ApiResponse.text(200, "replica");
        }
        RoleVerdict verdict = RoleVerdict.of(o);
        return verdict.role().map(role -> ApiResponse.text(200, role)).orElseGet(() -> ApiResponse.text(500, verdict.problem()));
    }

    /** Connections in use, and on the primary how full the volume is. */
    ApiResponse pg(ApiRequest request) {
        List<Item> items = new ArrayList<>();
        try (Connection c = connector.open("postgres"); Statement s = c.createStatement(); ResultSet r = s.executeQuery("""
                SELECT (SELECT count(*) FROM pg_stat_activity),
                       current_setting('superuser_reserved_connections')::int, current_setting('max_connections')::int,
                       pg_is_in_recovery()""")) {
            r.next();
            items.add(Item.pass("connections", r.getInt(1) + " used, " + r.getInt(2) + " reserved, " + r.getInt(3) + " max"));
            if (!r.getBoolean(4)) items.add(diskCapacity());
        } catch (SQLException e) {
            items.add(Item.fail("connections", "cannot connect to PostgreSQL: " + e.getMessage()));
        }
        return answer(items);
    }

    /** Room on the volume, the load, and the kernel's pressure stall figures. */
    ApiResponse vm(ApiRequest request) {
        List<Item> items = new ArrayList<>();
        items.add(diskFree());
        items.add(load());
        for (String resource : List.of("memory", "cpu", "io")) items.add(pressure(resource));
        return answer(items);
    }

    private Observation observation() {
        LoopLiveness liveness = LoopLiveness.judge(view.lastPass(), view.loopWait(), clock.instant(), startedAt);
        if (liveness instanceof LoopLiveness.Alive alive) return alive.pass().observation();
        throw ApiError.of(500, liveness.problem().orElse("the control loop is not running"));
    }

    private Item diskCapacity() {
        return DiskSpace.of(dataDirectory).map(d -> {
            double used = 100.0 * (d.totalBytes() - d.freeBytes()) / Math.max(1, d.totalBytes());
            String text = String.format(Locale.ROOT, "%.1f%% used of %s", used, human(d.totalBytes()));
            return used >= 100 * (1 - FREE_SHARE_MINIMUM) ? Item.fail("disk-capacity", text + ": writes are refused near full; "
                    + "extend the volume") : Item.pass("disk-capacity", text);
        }).orElse(Item.fail("disk-capacity", "cannot read the volume's size"));
    }

    private Item diskFree() {
        return DiskSpace.of(dataDirectory).map(d -> {
            double free = (double) d.freeBytes() / Math.max(1, d.totalBytes());
            String text = String.format(Locale.ROOT, "%s (%.1f%%) free space on %s", human(d.freeBytes()), 100 * free, d.path());
            return free < FREE_SHARE_MINIMUM ? Item.fail("checkDisk", text) : Item.pass("checkDisk", text);
        }).orElse(Item.fail("checkDisk", "cannot read the size of " + dataDirectory));
    }

    private static Item load() {
        Optional<String> text = read(Path.of("/proc/loadavg"));
        if (text.isEmpty()) return Item.pass("checkLoad", "load averages not available");
        String[] f = text.get().trim().split("\\s+");
        double one = Double.parseDouble(f[0]);
        double five = Double.parseDouble(f[1]);
        double fifteen = Double.parseDouble(f[2]);
        int cpus = Runtime.getRuntime().availableProcessors();
        String line = String.format(Locale.ROOT, "load averages: %.2f %.2f %.2f", fifteen, five, one);
        if (one / cpus > 10) return Item.fail("checkLoad", "1 minute load average is very high: " + f[0]);
        if (five / cpus > 4) return Item.fail("checkLoad", "5 minute load average is high: " + f[1]);
        if (fifteen / cpus > 2) return Item.fail("checkLoad", "15 minute load average is high: " + f[2]);
        return Item.pass("checkLoad", line);
    }

    /** Fails when the machine spent more than a tenth of the last 10 s, 60 s or 300 s stalled on {@code resource}. */
    private static Item pressure(String resource) {
        Optional<String> text = read(Path.of("/proc/pressure", resource));
        if (text.isEmpty()) return Item.pass(resource, "pressure figures not available");
        String some = text.get().lines().filter(l -> l.startsWith("some ")).findFirst().orElse("");
        double[] averages = new double[3];
        String[] names = {"avg10=", "avg60=", "avg300="};
        for (String field : some.split("\\s+")) {
            for (int i = 0; i < names.length; i++) {
                if (field.startsWith(names[i])) averages[i] = Double.parseDouble(field.substring(names[i].length()));
            }
        }
        int[] windows = {10, 60, 300};
        for (int i = 0; i < windows.length; i++) {
            if (averages[i] > 10) {
                return Item.fail(resource, String.format(Locale.ROOT, "system spent %.2fs of the last %d seconds waiting on %s",
                        windows[i] * averages[i] / 100, windows[i], resource));
            }
        }
        return Item.pass(resource, String.format(Locale.ROOT, "system spent %.2fs of the last 60s waiting on %s",
                60 * averages[1] / 100, resource));
    }

    private static Optional<String> read(Path file) {
        try {
            return Optional.of(Files.readString(file));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String human(long bytes) {
        String[] units = {"B", "KB", "MB", "GB", "TB"};
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.2f %s", value, units[unit]);
    }

    private static ApiResponse answer(List<Item> items) {
        StringBuilder text = new StringBuilder();
        boolean passed = true;
        for (Item item : items) {
            text.append(item.passed() ? "[✓] " : "[✗] ").append(item.name()).append(": ").append(item.detail()).append('\n');
            passed &= item.passed();
        }
        return ApiResponse.text(passed ? 200 : 500, text.toString());
    }

    private record Item(String name, boolean passed, String detail) {
        static Item pass(String name, String detail) {
            return new Item(name, true, detail);
        }

        static Item fail(String name, String detail) {
            return new Item(name, false, detail);
        }
    }
}
