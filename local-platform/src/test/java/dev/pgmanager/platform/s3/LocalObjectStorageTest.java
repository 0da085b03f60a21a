package dev.pgmanager.platform.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalObjectStorageTest {
    @TempDir Path dir;

    @Test
    void pgBackRestReachesTheServerOverTlsWithItsCaFile() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        try (LocalObjectStorage storage = LocalObjectStorage.start(dir, new InetSocketAddress("127.0.0.1", port), "bucket",
                "key", "secret123")) {
            Path file = dir.resolve("hello.txt");
            Files.writeString(file, "hello");
            List<String> base = List.of("pgbackrest", "--repo1-type=s3", "--repo1-s3-endpoint=127.0.0.1",
                    "--repo1-storage-port=" + port, "--repo1-s3-uri-style=path", "--repo1-s3-bucket=bucket",
                    "--repo1-s3-region=auto", "--repo1-storage-ca-file=" + storage.caFile(), "--repo1-path=/c", "--log-level-console=warn");
            Process put = withKeys(new ProcessBuilder(concat(base, "repo-put", "/c/hello.txt")).redirectInput(file.toFile())
                    .redirectErrorStream(true)).start();
            String putOut = new String(put.getInputStream().readAllBytes());
            assertTrue(put.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, put.exitValue(), putOut);
            Process ls = withKeys(new ProcessBuilder(concat(base, "repo-ls")).redirectErrorStream(true)).start();
            String out = new String(ls.getInputStream().readAllBytes());
            assertTrue(ls.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, ls.exitValue(), out);
            assertEquals("hello.txt", out.strip());
        }
    }

    private static ProcessBuilder withKeys(ProcessBuilder builder) {
        builder.environment().put("PGBACKREST_REPO1_S3_KEY", "key");
        builder.environment().put("PGBACKREST_REPO1_S3_KEY_SECRET", "secret123");
        return builder;
    }

    private static List<String> concat(List<String> base, String... more) {
        var all = new java.util.ArrayList<>(base);
        all.addAll(List.of(more));
        return all;
    }
}
