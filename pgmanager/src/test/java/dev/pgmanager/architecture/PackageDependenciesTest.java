package dev.pgmanager.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The product's package dependencies run one way: the CLI over the sidecar, the sidecar over the pure decisions in
 * {@code ha}; nothing in the product reaches the local platform (it is not in the image). Read from the sources'
 * imports, so a wrong turn fails here, naming the file, rather than in a review.
 */
class PackageDependenciesTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/pgmanager");
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?dev\\.pgmanager\\.([a-z]+)[.;]", Pattern.MULTILINE);

    @Test
    void theDecisionsDependOnNothingButTheStoreTheLeaseAndNames() {
        assertEquals(Set.of(), importsOutside("ha", Set.of("ha", "store", "election", "net")));
    }

    @Test
    void namesDependOnNothingButTheStoresRules() {
        assertEquals(Set.of(), importsOutside("net", Set.of("net", "store")));
    }

    @Test
    void theSidecarNeverReachesTheCommandLine() {
        assertEquals(Set.of(), importsOf("sidecar", "cli"));
    }

    @Test
    void backupsAreAToolOfTheSidecarNotItsUser() {
        assertEquals(Set.of(), importsOutside("backup", Set.of("backup", "config", "postgres", "election", "store")));
    }

    @Test
    void nothingInTheProductReachesTheLocalPlatform() {
        for (String pkg : packages()) assertEquals(Set.of(), importsOf(pkg, "platform"), pkg);
    }

    @Test
    void thePackagesAreWhereTheseTestsLook() {
        assertTrue(packages().containsAll(List.of("ha", "net", "sidecar", "cli")), packages().toString());
    }

    /** "file: dev.pgmanager.X" for every import of {@code pkg}'s sources outside {@code allowed}. */
    private static Set<String> importsOutside(String pkg, Set<String> allowed) {
        Set<String> found = new TreeSet<>();
        eachImport(pkg, (file, imported) -> {
            if (!allowed.contains(imported)) found.add(file + ": dev.pgmanager." + imported);
        });
        return found;
    }

    private static Set<String> importsOf(String pkg, String forbidden) {
        Set<String> found = new TreeSet<>();
        eachImport(pkg, (file, imported) -> {
            if (imported.equals(forbidden)) found.add(file + ": dev.pgmanager." + imported);
        });
        return found;
    }

    private interface ImportVisitor {
        void visit(Path file, String importedPackage);
    }

    private static void eachImport(String pkg, ImportVisitor visitor) {
        try (Stream<Path> files = Files.walk(SOURCES.resolve(pkg))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = IMPORT.matcher(Files.readString(file));
                while (m.find()) visitor.visit(SOURCES.relativize(file), m.group(1));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> packages() {
        try (Stream<Path> dirs = Files.list(SOURCES)) {
            return dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
