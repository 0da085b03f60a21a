package dev.pgmanager.store.zookeeper;

import java.time.Duration;
import org.apache.curator.RetrySleeper;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;

/**
 * Bounded exponential backoff that also stops retrying once an operation has used its time budget.
 *
 * <p>Counting retries alone does not bound time: behind a silent network each attempt can wait for a
 * connection and then for the ZooKeeper client's own connect timeout, several seconds each. The control loop
 * needs a failed call back in time to act on it.
 */
final class TimeBoundedBackoffRetry extends BoundedExponentialBackoffRetry {
    private final long budgetMillis;

    TimeBoundedBackoffRetry(Duration baseSleep, Duration maxSleep, int maxRetries, Duration budget) {
        super(Math.toIntExact(baseSleep.toMillis()), Math.toIntExact(maxSleep.toMillis()), maxRetries);
        this.budgetMillis = budget.toMillis();
    }

    @Override
    public boolean allowRetry(int retryCount, long elapsedTimeMs, RetrySleeper sleeper) {
        return elapsedTimeMs < budgetMillis && super.allowRetry(retryCount, elapsedTimeMs, sleeper);
    }
}
