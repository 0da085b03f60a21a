package dev.pgmanager.sidecar;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The machine's uptime ({@code /proc/uptime}), a clock in hundredths of a second that a shell reads without forking and
 * that no change of the wall clock moves, and this process's age on it.
 */
public final class Uptime {
    private static final Path UPTIME = Path.of("/proc/uptime");
    private static final Path OWN_STAT = Path.of("/proc/self/stat");
    /** The unit of a process's start in {@code /proc/<pid>/stat}: USER_HZ, 100 on every Linux ABI. */
    private static final long TICKS_PER_SECOND = 100;

    private Uptime() {
    }

    /** The machine's uptime in hundredths of a second ("12345.67 ..." in {@code /proc/uptime}). */
    public static long hundredths() throws IOException {
        String seconds = Files.readString(UPTIME, StandardCharsets.US_ASCII).split(" ", 2)[0].strip();
        int dot = seconds.indexOf('.');
        return Long.parseLong(seconds.substring(0, dot)) * 100 + Long.parseLong(seconds.substring(dot + 1));
    }

    /**
     * How long ago this process started, to a hundredth of a second; empty where {@code /proc} cannot tell. Not from
     * {@link ProcessHandle.Info#startInstant()}: the JDK adds the start to the boot time in whole seconds, so its
     * instant is up to a second early, the same error for every process until the machine reboots.
     */
    public static Optional<Duration> processAge() {
        try {
            String stat = Files.readString(OWN_STAT, StandardCharsets.US_ASCII);
            // The fields after the command's name, which is in parentheses and may hold spaces: state is the 3rd field
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long startTicks = Long.parseLong(fields[22 - 3]);
            return Optional.of(Duration.ofMillis(hundredths() * 10 - startTicks * 1000 / TICKS_PER_SECOND));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
