package dev.pgmanager.ebpf;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * An "old" and a "current" address in a random fdaa:0:xxxx::/64 (Fly's private range), both added to {@code lo}
 * so that no test traffic can leave the machine: without rewriting, the old address answers with a refusal.
 */
final class TestAddresses implements AutoCloseable {
    private final List<String> added = new ArrayList<>();
    final InetAddress oldAddress;
    final InetAddress currentAddress;

    TestAddresses() throws IOException, InterruptedException {
        String prefix = String.format("fdaa:0:%x::", ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        oldAddress = InetAddress.getByName(prefix + "1");
        currentAddress = InetAddress.getByName(prefix + "2");
        try {
            add(oldAddress);
            add(currentAddress);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private void add(InetAddress address) throws IOException, InterruptedException {
        String cidr = address.getHostAddress() + "/128";
        ip("addr", "add", cidr, "dev", "lo", "nodad");
        added.add(cidr);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (String cidr : added) {
            ip("addr", "del", cidr, "dev", "lo");
        }
        added.clear();
    }

    private static void ip(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ip", "-6"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
    }
}
