package dev.pgmanager.sidecar.loop;

import dev.pgmanager.ha.Pass;
import java.util.Optional;

/**
 * The control loop's latest pass, for the threads that read it (HTTP API, metrics, failsafe, router). Built before
 * the loop so that its readers need not wait for the loop, which itself needs some of them.
 */
public final class LatestPass {
    private volatile Pass pass;

    /** Empty until the first pass ends. */
    public Optional<Pass> get() {
        return Optional.ofNullable(pass);
    }

    void set(Pass pass) {
        this.pass = pass;
    }
}
