package dev.pgmanager.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.postgres.OsUser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The archive command as PostgreSQL runs it (through /bin/sh), with the gate open, closed and expired. */
class ArchiveGateTest {
    @TempDir Path dir;

    private record Outcome(int exit, String output) {}

    /** Runs the archive command for a WAL file that does not exist, with a pgBackRest config that does not either. */
    private Outcome archive(ArchiveGate gate) throws Exception {
        PgBackRest pgBackRest = new PgBackRest(OsUser.named(System.getProperty("user.name")), dir.resolve("missing.conf"), "app");
        String command = gate.archiveCommand(pgBackRest).replace("%p", "pg_wal/000000010000000000000001")
                .replace("%f", "000000010000000000000001");
        Process process = new ProcessBuilder(List.of("/bin/sh", "-c", command)).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        return new Outcome(process.exitValue(), output);
    }

    @Test
    void aClosedGateFailsTheAttemptSayingWhyAndNeverRunsPgBackRest() throws Exception {
        ArchiveGate gate = new ArchiveGate(dir, Duration.ofSeconds(5), Clock.systemUTC());
        Outcome closed = archive(gate);
        assertEquals(1, closed.exit());
        assertTrue(closed.output().contains("000000010000000000000001 not archived: this member does not hold the leader lease"),
                closed.output());
        assertFalse(closed.output().contains("ERROR"), "pgBackRest did not run: " + closed.output());
    }

    @Test
    void anOpenGateHandsTheSegmentToPgBackRest() throws Exception {
        ArchiveGate gate = new ArchiveGate(dir, Duration.ofSeconds(5), Clock.systemUTC());
        gate.renew();
        Outcome open = archive(gate);
        // pgBackRest ran, and failed on its (missing) configuration: the gate let the attempt through
        assertNotEquals(0, open.exit());
        assertFalse(open.output().contains("does not hold the leader lease"), open.output());
        assertTrue(open.output().contains("missing.conf") || open.output().contains("ERROR"), open.output());

        gate.close();
        assertFalse(Files.exists(gate.file()));
        assertTrue(archive(gate).output().contains("does not hold the leader lease"));
    }

    @Test
    void aGateNotRenewedInTimeClosesByItself() throws Exception {
        // renewed "an hour ago" for five seconds: as a sidecar that died without closing it
        Clock past = Clock.fixed(Instant.now().minus(Duration.ofHours(1)), ZoneOffset.UTC);
        ArchiveGate gate = new ArchiveGate(dir, Duration.ofSeconds(5), past);
        gate.renew();
        assertTrue(Files.exists(gate.file()));
        Outcome expired = archive(gate);
        assertEquals(1, expired.exit());
        assertTrue(expired.output().contains("does not hold the leader lease"), expired.output());
    }
}
