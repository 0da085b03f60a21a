package dev.pgmanager.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.store.testing.Prerequisites;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code pgmanager rewrite} on a test cgroup and pin directory of its own. Needs root ({@link Prerequisites}). */
class RewriteCommandTest {
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String pinRoot = "/sys/fs/bpf/pgmanager-test-cli-" + suffix;
    private Path cgroup;

    @BeforeEach
    void testCgroup() throws IOException {
        Prerequisites.require(Prerequisites.root(), "root (pgmanager rewrite attaches to a cgroup and pins in bpffs)");
        Path cgroup2 = Files.readAllLines(Path.of("/proc/mounts")).stream().map(line -> line.split(" "))
                .filter(fields -> fields[2].equals("cgroup2")).map(fields -> Path.of(fields[1])).findFirst().orElseThrow();
        cgroup = Files.createDirectory(cgroup2.resolve("pgmanager-test-cli-" + suffix));
    }

    @AfterEach
    void removeEverything() throws IOException {
        if (cgroup != null) {
            CommandRun.of("rewrite", "detach", "--pin-root", pinRoot);
            Files.deleteIfExists(cgroup);
        }
    }

    @Test
    void addListStatusRemoveDetach() {
        CommandRun before = CommandRun.of("rewrite", "status", "--pin-root", pinRoot);
        assertEquals(1, before.exit());
        assertTrue(before.err().contains("nothing is pinned under " + pinRoot), before.err());

        CommandRun add = CommandRun.of("rewrite", "add", "--pin-root", pinRoot, "--cgroup", cgroup.toString(),
                "fdaa:0:77::1", "fdaa:0:77::2");
        assertEquals(0, add.exit(), add.err());
        assertEquals(0, CommandRun.of("rewrite", "add", "--pin-root", pinRoot, "127.66.0.1", "127.66.0.2").exit(),
                "a second add uses what is pinned");

        CommandRun list = CommandRun.of("rewrite", "list", "--pin-root", pinRoot);
        assertTrue(list.out().contains("fdaa:0:77:0:0:0:0:1  fdaa:0:77:0:0:0:0:2  0"), list.out());
        assertTrue(list.out().contains("127.66.0.1"), list.out());
        CommandRun status = CommandRun.of("rewrite", "status", "--pin-root", pinRoot);
        assertEquals(0, status.exit(), status.err());
        assertTrue(status.out().contains("attached to cgroup " + cgroup) && status.out().contains("entries: 2, hits: 0"),
                status.out());

        assertEquals(0, CommandRun.of("rewrite", "remove", "--pin-root", pinRoot, "127.66.0.1").exit());
        CommandRun again = CommandRun.of("rewrite", "remove", "--pin-root", pinRoot, "127.66.0.1");
        assertEquals(1, again.exit());
        assertTrue(again.err().contains("127.66.0.1 is not rewritten"), again.err());

        CommandRun detach = CommandRun.of("rewrite", "detach", "--pin-root", pinRoot);
        assertEquals(0, detach.exit(), detach.err());
        assertFalse(Files.exists(Path.of(pinRoot)));
    }

    @Test
    void crossFamilyEntriesAreRefused() {
        CommandRun add = CommandRun.of("rewrite", "add", "--pin-root", pinRoot, "--cgroup", cgroup.toString(),
                "127.66.0.1", "fdaa:0:77::2");

        assertEquals(1, add.exit());
        assertTrue(add.err().contains("both addresses must be IPv4 or both IPv6"), add.err());
    }
}
