package dev.pgmanager.ebpf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgmanager.store.testing.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Naming a cgroup by its id on the real cgroup2 mount, while other cgroups come and go as on a busy machine. */
class CgroupsTest {
    @Test
    void aCgroupIsFoundByItsIdWhileOthersAreMadeAndRemoved() throws Exception {
        Prerequisites.require(Prerequisites.root(), "root (the test makes cgroups)");
        Mounts mounts = Mounts.read();
        Prerequisites.require(mounts.firstOfType("cgroup2").isPresent(), "a cgroup2 mount");
        try (TestCgroup wanted = new TestCgroup(); TestCgroup parent = new TestCgroup()) {
            long id = Cgroups.id(wanted.path);
            AtomicBoolean stop = new AtomicBoolean();
            // cgroups made and removed as fast as the kernel allows, beside the walk (a removed one failed it once in CI)
            Thread churn = Thread.ofPlatform().start(() -> {
                for (int i = 0; !stop.get(); i++) {
                    Path child = parent.path.resolve("churn-" + (i % 8));
                    try {
                        Files.createDirectory(child);
                        Files.delete(child);
                    } catch (Exception ignored) {
                        // taken or gone meanwhile: the next one
                    }
                }
            });
            try {
                for (int attempt = 0; attempt < 200; attempt++) {
                    assertEquals(Optional.of(wanted.path), Cgroups.findById(id, mounts), "attempt " + attempt);
                }
            } finally {
                stop.set(true);
                churn.join();
                for (int i = 0; i < 8; i++) Files.deleteIfExists(parent.path.resolve("churn-" + i));
            }
        }
    }
}
