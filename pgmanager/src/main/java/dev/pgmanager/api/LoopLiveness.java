package dev.pgmanager.api;

import dev.pgmanager.ha.Pass;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether the control loop still runs, judged only by when its last pass finished. Deliberately blind to PostgreSQL
 * and the store: a machine must not be restarted because its database or the store is down, only because its loop
 * is stuck.
 */
sealed interface LoopLiveness {

    /** Short loop waits would make a liveness probe flap on one slow pass, hence the floor. */
    Duration MINIMUM_LIMIT = Duration.ofSeconds(5);

    /** The last pass finished recently enough. */
    record Alive(Pass pass, Duration age, Duration limit) implements LoopLiveness {}

    /** No pass has finished since the API started. */
    record NoPassYet(Instant since) implements LoopLiveness {}

    /** The last pass finished too long ago. */
    record Stale(Pass pass, Duration age, Duration limit) implements LoopLiveness {}

    static LoopLiveness judge(Optional<Pass> lastPass, Duration loopWait, Instant now, Instant apiStartedAt) {
        if (lastPass.isEmpty()) return new NoPassYet(apiStartedAt);
        Pass pass = lastPass.get();
        Duration limit = limit(loopWait);
        Duration age = Duration.between(pass.finishedAt(), now);
        if (age.isNegative()) age = Duration.ZERO;
        return age.compareTo(limit) <= 0 ? new Alive(pass, age, limit) : new Stale(pass, age, limit);
    }

    static Duration limit(Duration loopWait) {
        Duration threeWaits = loopWait.multipliedBy(3);
        return threeWaits.compareTo(MINIMUM_LIMIT) > 0 ? threeWaits : MINIMUM_LIMIT;
    }

    /** Why the loop counts as not alive, in one sentence; empty when it is alive. */
    default Optional<String> problem() {
        return switch (this) {
            case Alive a -> Optional.empty();
            case NoPassYet n -> Optional.of("no pass of the control loop has finished since the API started at " + n.since());
            case Stale s -> Optional.of("the control loop's last pass finished at " + s.pass().finishedAt() + ", "
                    + s.age().toMillis() + " ms ago, longer than the " + s.limit().toMillis() + " ms allowed");
        };
    }
}
