package dev.pgmanager.platform.bench;

import java.io.IOException;
import java.util.Map;

/**
 * What a process holds in memory now, in kB, as Linux counts it: resident (RSS), its proportional share of what it
 * shares with other processes (PSS: a page mapped by three counts a third), what it alone maps (private: what its end
 * would free), and its threads. On a machine that runs one JVM, as a Fly machine runs one sidecar, PSS is about RSS.
 */
public record ProcessMemory(long residentKb, long proportionalKb, long privateKb, int threads) {
    public static ProcessMemory of(long pid) throws IOException {
        // one reading of the rollup, so that its figures are of one instant
        Map<String, Long> rollup = Figures.procFields(pid, "smaps_rollup");
        return new ProcessMemory(rollup.getOrDefault("Rss", -1L), rollup.getOrDefault("Pss", -1L),
                rollup.getOrDefault("Private_Clean", 0L) + rollup.getOrDefault("Private_Dirty", 0L),
                Figures.procFields(pid, "status").getOrDefault("Threads", -1L).intValue());
    }

    public long residentMegabytes() {
        return residentKb / 1024;
    }

    public long proportionalMegabytes() {
        return proportionalKb / 1024;
    }

    public long privateMegabytes() {
        return privateKb / 1024;
    }
}
