package dev.pgmanager.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.store.testing.TempDirs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code scripts/fork-and-attach} run by bash as an operator runs it, with a stand-in {@code fly} on PATH that records
 * its arguments (the real one needs Fly.io), answers {@code fly volumes list} with two volumes, and fails the
 * command named in {@code FLY_FAIL}.
 */
class ForkAndAttachScriptTest {
    private static final Path SCRIPT = Path.of("..", "scripts", "fork-and-attach").toAbsolutePath().normalize();
    private static final String FAKE_FLY = """
            #!/usr/bin/env bash
            printf '%s\\n' "$*" >> "$FLY_LOG"
            if [[ "$1 $2" == "secrets import" ]]; then cat >> "$FLY_LOG.stdin"; fi
            if [[ "$1 $2" == "volumes list" ]]; then
                echo '[{"id":"vol_younger","created_at":"2024-02-01T10:00:00Z"},{"id":"vol_oldest","created_at":"2023-01-05T09:00:00Z"}]'
            fi
            if [[ -n "${FLY_FAIL:-}" && "$*" == "$FLY_FAIL" ]]; then echo "Error: simulated failure" >&2; exit 3; fi
            exit 0
            """;
    private static final List<String> FULL_SEQUENCE = List.of(
            "volumes list -a old-db --json",
            "pg create --initial-cluster-size 3 --fork-from old-db:vol_oldest -n new-db",
            "secrets unset -a web --stage DATABASE_URL",
            "pg attach -a web --database-user app_user --database-name app new-db",
            "secrets deploy -a web",
            "secrets unset -a worker --stage DATABASE_URL",
            "pg attach -a worker --database-user app_user --database-name app new-db",
            "secrets deploy -a worker");

    private Path bin;
    private Path log;

    private record Result(int exit, String out, String err) {}

    @BeforeEach
    void fakeFly() throws IOException {
        bin = TempDirs.create("fake-fly");
        log = bin.resolve("fly.log");
        Path fly = bin.resolve("fly");
        Files.writeString(fly, FAKE_FLY);
        Files.setPosixFilePermissions(fly, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void cleanUp() {
        TempDirs.delete(bin);
    }

    @Test
    void runsTheForkThenUnstagesAttachesAndDeploysEachFrontEndAppInOrder() throws Exception {
        Result run = run(null, standardArguments());

        assertEquals(0, run.exit(), run.err());
        assertEquals(FULL_SEQUENCE, calls(), "the oldest volume is forked, then each app in turn");
        assertTrue(run.out().indexOf("1. fly pg create") < run.out().indexOf("==> step 1/7"), "the plan comes first: " + run.out());
        for (int step = 1; step <= 7; step++) assertTrue(run.out().contains(step + ". fly "), run.out());
    }

    @Test
    void aDryRunPrintsThePlanAndRunsNothing() throws Exception {
        List<String> arguments = new ArrayList<>(standardArguments());
        arguments.add("--dry-run");
        Result run = run(null, arguments);

        assertEquals(0, run.exit(), run.err());
        assertEquals(List.of(), calls(), "not even the volume list");
        assertTrue(run.out().contains("7. fly secrets deploy -a worker"), run.out());
        assertTrue(run.out().contains("nothing was run"), run.out());
    }

    @Test
    void aFailingStepStopsTheScriptWithAResumeCommandThatRunsExactlyTheRemainingSteps() throws Exception {
        Result failed = run("pg attach -a worker --database-user app_user --database-name app new-db", standardArguments());

        assertEquals(1, failed.exit(), failed.out());
        assertEquals(FULL_SEQUENCE.subList(0, 7), calls(), "nothing after the failing step ran");
        assertTrue(failed.err().contains("step 6 failed"), failed.err());
        Matcher resume = Pattern.compile("(?m)^  (\\S*fork-and-attach .*--resume-from 6)$").matcher(failed.err());
        assertTrue(resume.find(), "the exact command to resume: " + failed.err());

        Files.delete(log);
        List<String> resumeArguments = List.of(resume.group(1).split(" ")).subList(1, resume.group(1).split(" ").length);
        Result resumed = run(null, resumeArguments);
        assertEquals(0, resumed.exit(), resumed.err());
        assertEquals(FULL_SEQUENCE.subList(6, 8), calls(), "exactly the remaining steps, with the same volume");
        assertTrue(resumed.out().contains("(done earlier: skipped)"), resumed.out());
    }

    @Test
    void badInputsAreRefusedBeforeAnythingRuns() throws Exception {
        List<List<String>> bad = List.of(
                List.of("--from", "old-db", "--to", "new-db", "--database-name", "app", "--database-user", "app_user"),
                List.of("--from", "old-db", "--to", "old-db", "--database-name", "app", "--database-user", "u", "--app", "web"),
                List.of("--from", "Old_DB", "--to", "new-db", "--database-name", "app", "--database-user", "u", "--app", "web"),
                List.of("--from", "old-db", "--to", "new-db", "--database-name", "app;rm", "--database-user", "u", "--app", "web"),
                List.of("--from", "old-db", "--to", "new-db", "--database-name", "app", "--database-user", "u", "--app", "web", "--app", "web"),
                List.of("--from", "old-db", "--to", "new-db", "--database-name", "app", "--database-user", "u", "--app", "old-db"),
                List.of("--from", "old-db", "--to", "new-db", "--database-name", "app", "--database-user", "u", "--app", "web",
                        "--volume", "not-a-volume"),
                List.of("--from", "old-db", "--to", "new-db", "--database-name", "app", "--database-user", "u", "--app", "web",
                        "--resume-from", "9"),
                List.of("--from", "old-db", "--to", "new-db", "--database-name", "app", "--database-user", "u", "--app", "web",
                        "--bogus"));
        for (List<String> arguments : bad) {
            Result run = run(null, arguments);
            assertEquals(2, run.exit(), arguments + ": " + run.out());
            assertTrue(run.err().contains("nothing was run"), arguments + ": " + run.err());
        }
        assertEquals(List.of(), calls(), "fly was never called");

        Result noFly = run(null, standardArguments(), "/usr/bin:/bin");
        assertEquals(2, noFly.exit());
        assertTrue(noFly.err().contains("fly is not on PATH"), noFly.err());
    }

    private static final Map<String, String> BACKUP_ENVIRONMENT = Map.of("BUCKET_NAME", "old-bucket",
            "AWS_ENDPOINT_URL_S3", "https://fly.storage.tigris.dev", "AWS_ACCESS_KEY_ID", "tid_key",
            "AWS_SECRET_ACCESS_KEY", "tsec_very_secret", "SU_PASSWORD", "su-secret", "REPL_PASSWORD", "repl-secret",
            "OPERATOR_PASSWORD", "token-secret", "PGMANAGER_STORE", "zk1.vm.my-zk.internal:2181");

    @Test
    void fromBackupsItCreatesTheAppWithItsSecretsOnStandardInputThenDeploysAndAttaches() throws Exception {
        Path flyToml = bin.resolve("fly.toml");
        Files.writeString(flyToml, "app = 'old-db'\n");
        List<String> arguments = new ArrayList<>(standardArguments());
        arguments.addAll(List.of("--from-backup", "latest", "--target-time", "2026-12-03T10:15:00Z", "--region", "ams", "--image",
                "registry.fly.io/pgmanager:1", "--config", flyToml.toString()));
        Result run = run(null, arguments, bin + ":/usr/bin:/bin", BACKUP_ENVIRONMENT);

        assertEquals(0, run.exit(), run.err());
        assertEquals(List.of(
                "apps create new-db",
                "secrets import -a new-db --stage",
                "volumes create pg_data -a new-db --region ams --size 10 --count 3 --yes",
                "deploy -a new-db --config " + flyToml + " --image registry.fly.io/pgmanager:1 --primary-region ams "
                        + "--env PRIMARY_REGION=ams --wait-timeout 30m",
                "scale count 3 -a new-db --region ams --yes",
                "secrets unset -a web --stage DATABASE_URL",
                "pg attach -a web --database-user app_user --database-name app new-db",
                "secrets deploy -a web",
                "secrets unset -a worker --stage DATABASE_URL",
                "pg attach -a worker --database-user app_user --database-name app new-db",
                "secrets deploy -a worker"), calls(), "no volume is forked: the new app restores the backups");
        List<String> secrets = Files.readAllLines(Path.of(log + ".stdin"));
        assertTrue(secrets.containsAll(List.of("PGMANAGER_RESTORE_FROM=old-db", "PGMANAGER_RESTORE_TARGET_TIME=2026-12-03T10:15:00Z",
                "AWS_SECRET_ACCESS_KEY=tsec_very_secret", "SU_PASSWORD=su-secret", "PGMANAGER_STORE=zk1.vm.my-zk.internal:2181")),
                secrets.toString());
        assertTrue(secrets.stream().noneMatch(line -> line.startsWith("PGMANAGER_RESTORE_BACKUP=")), "latest names no backup");
        for (String secret : List.of("tsec_very_secret", "su-secret", "repl-secret", "token-secret")) {
            assertTrue(!String.join("\n", calls()).contains(secret) && !run.out().contains(secret) && !run.err().contains(secret),
                    "a secret is never on a command line or printed: " + secret);
        }
    }

    @Test
    void fromBackupsBadInputsAreRefusedBeforeAnythingRuns() throws Exception {
        Path flyToml = bin.resolve("fly.toml");
        Files.writeString(flyToml, "app = 'old-db'\n");
        List<String> backup = List.of("--from-backup", "latest", "--region", "ams", "--image", "img:1", "--config", flyToml.toString());
        Map<String, List<String>> bad = new java.util.LinkedHashMap<>();
        bad.put("--volume and --from-backup exclude each other", List.of("--volume", "vol_abc"));
        bad.put("is neither 'latest' nor a backup label", List.of("--from-backup", "yesterday"));
        bad.put("is not an ISO-8601 time", List.of("--target-time", "10:15"));
        bad.put("needs --region", List.of("--region", "Amsterdam"));
        for (var entry : bad.entrySet()) {
            List<String> arguments = new ArrayList<>(standardArguments());
            arguments.addAll(backup);
            arguments.addAll(entry.getValue());
            Result run = run(null, arguments, bin + ":/usr/bin:/bin", BACKUP_ENVIRONMENT);
            assertEquals(2, run.exit(), arguments + ": " + run.out());
            assertTrue(run.err().contains(entry.getKey()), arguments + ": " + run.err());
        }
        Map<String, String> noSecret = new java.util.HashMap<>(BACKUP_ENVIRONMENT);
        noSecret.remove("AWS_SECRET_ACCESS_KEY");
        noSecret.remove("REPL_PASSWORD");
        List<String> arguments = new ArrayList<>(standardArguments());
        arguments.addAll(backup);
        Result missing = run(null, arguments, bin + ":/usr/bin:/bin", noSecret);
        assertEquals(2, missing.exit(), missing.out());
        assertTrue(missing.err().contains("AWS_SECRET_ACCESS_KEY REPL_PASSWORD"), "names what is missing: " + missing.err());

        List<String> targetAlone = new ArrayList<>(standardArguments());
        targetAlone.addAll(List.of("--target-time", "2026-12-03T10:15:00Z"));
        Result withoutBackup = run(null, targetAlone);
        assertEquals(2, withoutBackup.exit(), withoutBackup.out());
        assertTrue(withoutBackup.err().contains("--target-time goes with --from-backup"), withoutBackup.err());
        assertEquals(List.of(), calls(), "fly was never called");
    }

    @Test
    void helpExplainsTheSteps() throws Exception {
        Result help = run(null, List.of("--help"));
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("--resume-from N"), help.out());
        assertTrue(help.out().contains("fly pg create --initial-cluster-size 3"), help.out());
        assertTrue(help.out().contains("--from-backup BACKUP"), help.out());
    }

    private static List<String> standardArguments() {
        return List.of("--from", "old-db", "--to", "new-db", "--database-name", "app", "--database-user", "app_user",
                "--app", "web", "--app", "worker");
    }

    private List<String> calls() throws IOException {
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    private Result run(String failing, List<String> arguments) throws Exception {
        return run(failing, arguments, bin + ":/usr/bin:/bin");
    }

    private Result run(String failing, List<String> arguments, String path) throws Exception {
        return run(failing, arguments, path, Map.of());
    }

    private Result run(String failing, List<String> arguments, String path, Map<String, String> environment) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command);
        for (String variable : BACKUP_ENVIRONMENT.keySet()) builder.environment().remove(variable);
        builder.environment().putAll(environment);
        builder.environment().put("PATH", path);
        builder.environment().put("FLY_LOG", log.toString());
        if (failing != null) builder.environment().put("FLY_FAIL", failing);
        Path out = Files.createTempFile(bin, "out", ".txt");
        Path err = Files.createTempFile(bin, "err", ".txt");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the script did not finish within 30 s");
        }
        return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
