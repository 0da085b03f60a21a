package dev.pgmanager.backup;

import dev.pgmanager.postgres.CommandFailedException;
import dev.pgmanager.postgres.CommandResult;
import dev.pgmanager.postgres.OsUser;
import dev.pgmanager.postgres.PgCommandRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * pgBackRest's commands on one cluster's repository, run as the OS user with a deadline each. pgBackRest does the work
 * (checksums, compression, parallel and asynchronous transfer, S3); this class only says what to do and reads its
 * answers. Failures throw {@link BackupException} with pgBackRest's own last line, and a hint where it is a known one.
 */
public final class PgBackRest {
    /** The program, found on PATH: the image installs Debian's package. */
    public static final String PROGRAM = "pgbackrest";
    private static final Duration QUICK = Duration.ofMinutes(2);
    /** pgBackRest's exit code for a segment the archive holds with another checksum (its error 45). */
    private static final int ARCHIVED_WITH_OTHER_CONTENTS = 45;
    /** How pgBackRest's verify words a file it found damaged (one verdict or another, as the damage fell). */
    private static final List<String> VERIFY_VERDICTS = List.of("invalid checksum", "invalid size", "invalid result",
            "invalid verify");

    private final PgCommandRunner runner;
    private final String osUser;
    private final Path configFile;
    private final String stanza;

    public PgBackRest(OsUser osUser, Path configFile, String stanza) {
        this.runner = new PgCommandRunner(osUser);
        this.osUser = osUser.name();
        this.configFile = configFile;
        this.stanza = stanza;
    }

    /** Whether the program is on PATH: the image installs it; a machine set up by hand may not have it. */
    public static boolean installed() {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        return java.util.Arrays.stream(path.split(":")).filter(dir -> !dir.isBlank())
                .map(dir -> Path.of(dir, PROGRAM))
                .anyMatch(java.nio.file.Files::isExecutable);
    }

    public String stanza() {
        return stanza;
    }

    public Path configFile() {
        return configFile;
    }

    /** Lists the repository's top: fails at once, naming the cause, on a missing bucket, refused keys or no endpoint. */
    public void checkRepository() {
        // repo-ls takes no stanza: it lists the repository's top, whatever stanzas are there
        execute(QUICK, List.of(PROGRAM, "--config=" + configFile, "repo-ls"));
    }

    /** Creates the stanza in the repository for the running server, or checks that the one there is this cluster's. */
    public void stanzaCreate() {
        run(QUICK, "stanza-create");
    }

    /** Switches WAL and waits until the segment is archived: proof that archiving works end to end. */
    public void check() {
        run(QUICK, "check");
    }

    public void backup(BackupType type, Duration timeout) {
        run(timeout, "backup", "--type=" + type.pgBackRestName());
    }

    /**
     * A backup whose files are read from a replica (through its pgBackRest server), with only its start and stop on
     * the primary, which stays {@code pg1}. pgBackRest waits for the replica to replay to the backup's start.
     */
    public void backupFromStandby(BackupType type, Duration timeout, BackupStandby standby, BackupTls tls) {
        try (BackupTls.ClientCertificate client = tls.client()) {
            List<String> args = new ArrayList<>(List.of("backup", "--type=" + type.pgBackRestName()));
            args.addAll(standby.pgBackRestOptions(tls.caFile(), client, osUser));
            run(timeout, args.toArray(String[]::new));
        }
    }

    public RepositoryInfo info() {
        return RepositoryInfo.parse(run(QUICK, "info", "--output=json").output(), stanza);
    }

    /**
     * Reads every backup file and archived WAL segment back and checks its checksum; the report, when all is sound.
     *
     * @throws BackupException naming each damaged or missing file. pgBackRest 2.45 reports them in its output and still
     *     exits 0, so the output decides.
     */
    public String verify(Duration timeout) {
        String report = run(timeout, "verify", "--log-level-console=info").output();
        List<String> damaged = damagedFiles(report);
        if (!damaged.isEmpty() || report.contains("status: error")) {
            throw new BackupException("the repository failed verification: " + (damaged.isEmpty() ? "pgBackRest reports errors"
                    : String.join("; ", damaged)) + " (a damaged WAL segment breaks recovery through it: take a full backup now, "
                    + "pgmanager backup create, so that recovery from then on does not need it)");
        }
        return report;
    }

    /**
     * The lines of a verify report that name a damaged or missing file, without their log prefix. pgBackRest words its
     * verdict on a damaged file as "invalid checksum" (the damage still decompressed), "invalid size", or "invalid
     * result" when reading it failed (it no longer decompresses): which one depends on where the damage fell.
     */
    static List<String> damagedFiles(String report) {
        return report.lines()
                .filter(line -> VERIFY_VERDICTS.stream().anyMatch(line::contains) || line.contains("missing") && line.contains(": "))
                .map(line -> line.replaceFirst("^.*?(INFO|WARN|ERROR): ", "").strip())
                .toList();
    }

    /** Removes one backup and every backup that depends on it, and the WAL only they needed. */
    public void expire(String label) {
        run(QUICK, "expire", "--set=" + label);
    }

    /**
     * Pushes one WAL segment now, outside PostgreSQL's archiver (a segment the previous primary did not get to), unless
     * the repository holds one of that name already.
     *
     * @return false when the repository's segment of that name has other contents: pgBackRest never replaces one
     */
    public boolean archivePush(Path walFile) {
        CommandResult result = runner.run(command("archive-push", "--no-archive-async", walFile.toString()), Map.of(), QUICK, null);
        if (result.exitCode() == ARCHIVED_WITH_OTHER_CONTENTS) return false;
        if (!result.succeeded()) throw BackupException.from("archive-push", result.failure());
        return true;
    }

    /**
     * Fills an empty data directory from a backup, with recovery settings that replay the archive up to {@code target}
     * and then end recovery. pgBackRest refuses a directory that holds files (unless told to delta, which is never done
     * here).
     */
    public void restore(Path dataDir, String set, RecoveryTarget target, Duration timeout) {
        List<String> args = new ArrayList<>(List.of("restore", "--pg1-path=" + dataDir, "--set=" + set));
        args.addAll(target.pgBackRestOptions());
        run(timeout, args.toArray(String[]::new));
    }

    private CommandResult run(Duration timeout, String... args) {
        return execute(timeout, command(args));
    }

    private List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of(PROGRAM, "--config=" + configFile, "--stanza=" + stanza));
        command.addAll(List.of(args));
        return command;
    }

    /** Runs a pgBackRest command line; its failure is named by the command word ({@code backup}, {@code repo-ls}...). */
    private CommandResult execute(Duration timeout, List<String> command) {
        try {
            return runner.runChecked(command, Map.of(), timeout);
        } catch (CommandFailedException e) {
            throw BackupException.from(command.stream().filter(word -> !word.startsWith("-")).skip(1).findFirst().orElse(PROGRAM), e);
        }
    }
}
