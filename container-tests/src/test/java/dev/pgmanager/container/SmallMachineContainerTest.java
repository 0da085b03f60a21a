package dev.pgmanager.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.store.testing.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fly's smallest Postgres machine: 256 MB for PostgreSQL and the sidecar together. Three members of that size form the
 * cluster, size PostgreSQL from their limit, take pgbench at its default scale for 60 s through the 5432 entry point,
 * and fail over when the primary dies, with no process of any member killed for lack of memory, and no leadership
 * moved by the load alone.
 */
@ExtendWith(DockerEngine.class)
class SmallMachineContainerTest {
    private static final long MACHINE_BYTES = 256L * 1024 * 1024;
    private static final Duration FORMS_WITHIN = Duration.ofMinutes(4);
    private static final Path PGBENCH = Path.of("/usr/lib/postgresql/15/bin/pgbench");

    @Test
    void threeMembersOf256MbFormTakePgbenchAndFailOverWithNothingKilledForMemory() throws Exception {
        try (FlyAppInDocker app = new FlyAppInDocker(DockerEngine.image(), 3, Optional.of(MACHINE_BYTES))) {
            awaitOnePrimary(app, app.machineIds(), FORMS_WITHIN);
            String primary = primary(app, app.machineIds());
            String through = app.machineIds().stream().filter(m -> !m.equals(primary)).findFirst().orElseThrow();
            FlyAppInDocker.ExecResult limit = app.exec(primary, "sh", "-c", "cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes");
            assertTrue(limit.stdout().contains("268435456"), "the member runs in a 256 MB machine: " + limit);
            try (Connection c = routed(app, through); Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SHOW shared_buffers")) {
                assertTrue(r.next());
                assertEquals("64MB", r.getString(1), "shared_buffers sized from the machine: a quarter of 256 MB");
            }

            String host = app.addressOf(through);
            assertEquals(0, pgbench(host, "-i", "-q").exitCode(), "pgbench -i");
            PgbenchRun run = pgbench(host, "-c", "4", "-j", "2", "-T", "60");
            // A primary that fences itself under the load (its sidecar starved of the CPU) aborts every client
            assertEquals(0, run.exitCode(), run.output());
            Matcher tps = Pattern.compile("tps = ([0-9.]+)").matcher(run.output());
            assertTrue(tps.find() && Double.parseDouble(tps.group(1)) > 0, run.output());
            assertEquals(primary, primary(app, app.machineIds()), "the load alone moved the leadership");

            app.kill(primary);
            List<String> survivors = app.machineIds().stream().filter(m -> !m.equals(primary)).toList();
            awaitOnePrimary(app, survivors, Duration.ofSeconds(60));
            // The entry point follows the new leader; a connection may fail while the router learns of it.
            Await.until(Duration.ofSeconds(30), "a write through " + through + "'s 5432 after the failover", () -> {
                try (Connection c = routed(app, through); Statement s = c.createStatement()) {
                    s.execute("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, 1, 1, now())");
                    return true;
                } catch (SQLException notYet) {
                    return false;
                }
            });
            for (String member : app.machineIds()) {
                assertFalse(app.oomKilled(member), member + " had a process killed for lack of memory");
            }
            System.out.println("256 MB machines: pgbench through 5432 at " + tps.group(1) + " tps; failover done, no OOM kill");
        }
    }

    private record PgbenchRun(int exitCode, String output) {}

    private static PgbenchRun pgbench(String host, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(PGBENCH.toString(), "-h", host,
                "-p", Integer.toString(FlyAppInDocker.ROUTER_PORT), "-U", "postgres"));
        command.addAll(List.of(arguments));
        command.add("postgres");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("PGPASSWORD", FlyAppInDocker.OPERATOR_PASSWORD);
        Path output = Files.createTempFile("pgbench-", ".log");
        try {
            Process process = builder.redirectOutput(output.toFile()).start();
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError("pgbench did not finish within 5 minutes");
            }
            return new PgbenchRun(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static void awaitOnePrimary(FlyAppInDocker app, List<String> members, Duration limit) {
        Await.until(limit, "one primary among " + members + " and each of them live and ready", () -> {
            int primaries = 0;
            for (String member : members) {
                if (app.status(member, "/health/live") != 200 || app.status(member, "/health/ready") != 200) return false;
                if (app.status(member, "/primary") == 200) primaries++;
            }
            return primaries == 1;
        });
    }

    private static String primary(FlyAppInDocker app, List<String> members) {
        return members.stream().filter(m -> app.status(m, "/primary") == 200).findFirst().orElseThrow();
    }

    private static Connection routed(FlyAppInDocker app, String member) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://[" + app.addressOf(member) + "]:" + FlyAppInDocker.ROUTER_PORT
                + "/postgres", "postgres", FlyAppInDocker.OPERATOR_PASSWORD);
    }
}
