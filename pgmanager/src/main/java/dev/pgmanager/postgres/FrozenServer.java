package dev.pgmanager.postgres;

import java.util.List;

/**
 * A server held still by {@link PostgresController#freeze}: its postmaster and the processes stopped with it, each
 * known with its start time, so that a PID reused since is never signalled.
 *
 * @param postmaster the frozen postmaster
 * @param processes every process stopped, the postmaster first
 */
public record FrozenServer(ProcessHandle postmaster, List<ProcessHandle> processes) {
    public FrozenServer {
        processes = List.copyOf(processes);
    }

    /**
     * Whether its postmaster has ended, killed from outside: a zombie too (dead, not yet reaped by its parent, which
     * {@link ProcessHandle#isAlive} still counts), since its stopped children must not wait for the reaping.
     */
    public boolean postmasterEnded() {
        return !ServerFreezer.running(postmaster);
    }
}
