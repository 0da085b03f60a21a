package dev.pgmanager.config;

import java.time.Duration;
import dev.pgmanager.ha.SynchronousSettings;
import java.util.Objects;

/**
 * The control loop's tuning and this member's failover preferences.
 *
 * @param loopWait                  time between passes of the control loop when nothing wakes it sooner
 * @param maximumLagOnFailoverBytes a replica further behind the leader than this is not promoted
 * @param slotRetention             how long a departed member's replication slot is kept for its return
 * @param noFailover                this member is never promoted
 * @param priority                  among equally good candidates, the higher priority is promoted
 * @param stopHandoverTimeout       how long a stopping leader waits for a replica to take over before it stops
 *                                  anyway (zero: no hand-over)
 * @param verifyOnMigration         how a member that finds itself migrated checks its forked data before it rejoins
 * @param synchronous               synchronous replication, as this member runs it while it leads
 * @param noSync                    this member is never made a synchronous standby
 * @param failsafeMode              a primary that loses the store keeps accepting writes while every member it knows
 *                                  confirms over the API that it follows it
 * @param realtimePriority          the threads that keep the lease run at real-time priority where permitted
 * @param autogroups                whether the sidecar turns the kernel's autogroup scheduling off
 */
public record HaConfig(Duration loopWait, long maximumLagOnFailoverBytes, Duration slotRetention, boolean noFailover,
                       int priority, Duration stopHandoverTimeout,
                       MigrationVerification verifyOnMigration, SynchronousSettings synchronous, boolean noSync,
                       boolean failsafeMode, boolean realtimePriority, AutogroupScheduling autogroups) {
    public HaConfig {
        Objects.requireNonNull(stopHandoverTimeout, "stopHandoverTimeout");
        Objects.requireNonNull(loopWait, "loopWait");
        Objects.requireNonNull(verifyOnMigration, "verifyOnMigration");
        Objects.requireNonNull(synchronous, "synchronous");
        Objects.requireNonNull(slotRetention, "slotRetention");
        Objects.requireNonNull(autogroups, "autogroups");
    }
}
