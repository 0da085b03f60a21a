package dev.pgmanager.platform.bench;

import java.io.IOException;

/**
 * What a process holds in memory now, in kB, as Linux counts it: resident (RSS), its proportional share of what it
 * shares with other processes (PSS: a page mapped by three counts a third), what it alone maps (private: what its end
 * would free), and its threads. On a machine that runs one JVM, as a Fly machine runs one sidecar, PSS is about RSS.
 */
public record ProcessMemory(long residentKb, long proportionalKb, long privateKb, int threads) {
    public static ProcessMemory of(long pid) throws IOException {
        return new ProcessMemory(Figures.procKilobytes(pid, "smaps_rollup", "Rss:"), Figures.procKilobytes(pid, "smaps_rollup", "Pss:"),
                Figures.procKilobytes(pid, "smaps_rollup", "Private_Clean:") + Figures.procKilobytes(pid, "smaps_rollup", "Private_Dirty:"),
                (int) Figures.procKilobytes(pid, "status", "Threads:"));
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
