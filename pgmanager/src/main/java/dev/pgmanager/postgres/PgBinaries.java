package dev.pgmanager.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where the PostgreSQL server binaries are, and which major version they are. Looked for in order: a
 * configured directory (used or rejected, never silently replaced by another); the bindir reported by
 * {@code pg_config} on the PATH; the highest {@code /usr/lib/postgresql/<major>/bin} (Debian's layout).
 */
public final class PgBinaries {
    private static final List<String> REQUIRED =
            List.of("postgres", "initdb", "pg_ctl", "pg_basebackup", "pg_rewind", "pg_controldata");
    private static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");
    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)(?:\\.(\\d+))?");

    private final Path directory;
    private final int majorVersion;

    private PgBinaries(Path directory, int majorVersion) {
        this.directory = directory;
        this.majorVersion = majorVersion;
    }

    /** Finds the binaries: in {@code configured} if present, else on this machine. */
    public static PgBinaries locate(Optional<Path> configured) {
        if (configured.isPresent()) {
            Path dir = configured.get();
            String missing = missingIn(dir);
            if (!missing.isEmpty()) {
                throw new PostgresException("configured PostgreSQL bin directory " + dir + " is unusable: " + missing);
            }
            return at(dir);
        }
        List<String> looked = new ArrayList<>();
        Optional<Path> fromPgConfig = pgConfigBindir();
        if (fromPgConfig.isPresent()) {
            String missing = missingIn(fromPgConfig.get());
            if (missing.isEmpty()) {
                return at(fromPgConfig.get());
            }
            looked.add("pg_config --bindir = " + fromPgConfig.get() + " (" + missing + ")");
        } else {
            looked.add("pg_config on PATH (not found or failed)");
        }
        for (Path candidate : debianBinDirsHighestFirst()) {
            String missing = missingIn(candidate);
            if (missing.isEmpty()) {
                return at(candidate);
            }
            looked.add(candidate + " (" + missing + ")");
        }
        looked.add(DEBIAN_ROOT + "/<major>/bin (" + (Files.isDirectory(DEBIAN_ROOT) ? "no usable version" : "absent") + ")");
        throw new PostgresException("no PostgreSQL server binaries found; looked at: " + String.join("; ", looked)
                + ". Configure the bin directory explicitly.");
    }

    public Path directory() {
        return directory;
    }

    public int majorVersion() {
        return majorVersion;
    }

    /** The absolute path of one tool, e.g. {@code tool("pg_ctl")}. */
    public String tool(String name) {
        return directory.resolve(name).toString();
    }

    private static PgBinaries at(Path dir) {
        Path postgres = dir.resolve("postgres");
        try {
            // --version is answered before PostgreSQL's refuse-to-run-as-root check, so no user switch
            Process process = new ProcessBuilder(postgres.toString(), "--version").redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new PostgresException(postgres + " --version did not answer within 10s");
            }
            Matcher matcher = VERSION.matcher(output);
            if (!matcher.find()) {
                throw new PostgresException("cannot read the version of " + postgres + " from: " + output.strip());
            }
            return new PgBinaries(dir.toAbsolutePath(), Integer.parseInt(matcher.group(1)));
        } catch (IOException e) {
            throw new PostgresException("cannot run " + postgres + " --version: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PostgresException("interrupted reading the PostgreSQL version", e);
        }
    }

    private static String missingIn(Path dir) {
        if (!Files.isDirectory(dir)) {
            return "not a directory";
        }
        List<String> missing = REQUIRED.stream().filter(name -> !Files.isExecutable(dir.resolve(name))).toList();
        return missing.isEmpty() ? "" : "missing " + String.join(", ", missing);
    }

    private static Optional<Path> pgConfigBindir() {
        try {
            Process process = new ProcessBuilder("pg_config", "--bindir").redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return Optional.empty();
            }
            return process.exitValue() == 0 && !output.isEmpty() ? Optional.of(Path.of(output)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static List<Path> debianBinDirsHighestFirst() {
        if (!Files.isDirectory(DEBIAN_ROOT)) {
            return List.of();
        }
        try (Stream<Path> versions = Files.list(DEBIAN_ROOT)) {
            return versions
                    .filter(p -> p.getFileName().toString().matches("\\d+(\\.\\d+)?"))
                    .sorted(Comparator.comparingDouble((Path p) -> Double.parseDouble(p.getFileName().toString())).reversed())
                    .map(p -> p.resolve("bin"))
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    @Override
    public String toString() {
        return "PostgreSQL " + majorVersion + " at " + directory;
    }
}
