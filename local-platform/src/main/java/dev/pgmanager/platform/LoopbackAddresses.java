package dev.pgmanager.platform;


import dev.pgmanager.net.AddressText;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The IPv6 addresses of a local cluster on the loopback device, as {@code ip -6 addr} adds and removes them (root
 * only). Each is a /128 added with {@code nodad} (no duplicate address detection, so it is usable at once); should
 * the kernel refuse {@code nodad}, the address is added without it and we wait until it can be bound.
 */
final class LoopbackAddresses {
    static final String DEVICE = "lo";
    private static final Duration USABLE_PATIENCE = Duration.ofSeconds(10);

    private LoopbackAddresses() {}

    static boolean canManage() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Adds {@code address} to the loopback device unless it is there already, and returns once it can be bound. */
    static void ensure(String address) throws IOException {
        if (present().contains(AddressText.canonical(address))) return;
        Result nodad = ip("-6", "addr", "add", address + "/128", "dev", DEVICE, "nodad");
        if (nodad.exit() != 0 && !nodad.output().contains("File exists")) {
            Result plain = ip("-6", "addr", "add", address + "/128", "dev", DEVICE);
            if (plain.exit() != 0 && !plain.output().contains("File exists")) {
                throw new IOException("cannot add " + address + "/128 to " + DEVICE + ": " + plain.output().strip()
                        + " (with nodad: " + nodad.output().strip() + ")");
            }
        }
        awaitUsable(address);
    }

    /** Removes every address of {@code network} (its first 8 bytes, a /64) from the loopback device. */
    static List<String> removeNetwork(String anyAddressOfNetwork) throws IOException {
        byte[] prefix = Arrays.copyOf(InetAddress.getByName(anyAddressOfNetwork).getAddress(), 8);
        List<String> removed = new ArrayList<>();
        for (String address : present()) {
            if (!Arrays.equals(prefix, Arrays.copyOf(InetAddress.getByName(address).getAddress(), 8))) continue;
            Result del = ip("-6", "addr", "del", address + "/128", "dev", DEVICE);
            if (del.exit() != 0) {
                throw new IOException("cannot remove " + address + "/128 from " + DEVICE + ": " + del.output().strip());
            }
            removed.add(address);
        }
        return removed;
    }

    /** The IPv6 addresses on the loopback device now, canonical ({@code fdaa:1:2::10}). */
    static List<String> present() throws IOException {
        Result show = ip("-6", "-o", "addr", "show", "dev", DEVICE);
        if (show.exit() != 0) throw new IOException("ip -6 addr show dev " + DEVICE + " failed: " + show.output().strip());
        List<String> addresses = new ArrayList<>();
        for (String line : show.output().split("\n")) {
            String[] fields = line.trim().split("\\s+");
            for (int i = 0; i + 1 < fields.length; i++) {
                if (fields[i].equals("inet6")) {
                    String address = fields[i + 1].replaceFirst("/.*", "");
                    if (InetAddress.getByName(address) instanceof Inet6Address) addresses.add(AddressText.canonical(address));
                }
            }
        }
        return addresses;
    }

    private static void awaitUsable(String address) throws IOException {
        Instant deadline = Instant.now().plus(USABLE_PATIENCE);
        IOException last;
        do {
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
                return;
            } catch (IOException notYet) {
                last = notYet;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + address, e);
            }
        } while (Instant.now().isBefore(deadline));
        throw new IOException(address + " was added to " + DEVICE + " but cannot be bound after "
                + USABLE_PATIENCE.toSeconds() + " s: " + last.getMessage(), last);
    }

    private record Result(int exit, String output) {}

    private static Result ip(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + String.join(" ", command), e);
        }
        return new Result(process.exitValue(), output);
    }
}
