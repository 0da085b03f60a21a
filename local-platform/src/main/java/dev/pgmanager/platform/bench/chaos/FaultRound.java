package dev.pgmanager.platform.bench.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * One planned round: the fault, whom it hits (the primary, or one of the replicas) and how long it lasts before the
 * heal. A plan depends on the seed alone, so a seed replays the same faults in the same order.
 *
 * @param replicaPick which replica, when it hits one (an index modulo the number of replicas, in creation order)
 */
public record FaultRound(int number, Fault fault, boolean hitsPrimary, int replicaPick, Duration hold) {

    /**
     * {@code rounds} rounds drawn from {@code seed}: every fault once in a shuffled order, then again in another, so
     * that a run covers each fault about as often; targets and holds are drawn too, holds scaled to the lease
     * ({@code sessionTimeout}).
     */
    public static List<FaultRound> plan(long seed, int rounds, Duration sessionTimeout) {
        Random random = new Random(seed);
        List<Fault> order = new ArrayList<>();
        List<FaultRound> plan = new ArrayList<>();
        for (int i = 1; i <= rounds; i++) {
            if (order.isEmpty()) {
                order.addAll(List.of(Fault.values()));
                Collections.shuffle(order, random);
            }
            Fault fault = order.removeFirst();
            boolean primary = fault == Fault.CRASH_PRIMARY_POSTGRES || fault == Fault.CRASH_STORE || random.nextBoolean();
            int pick = random.nextInt(1000);
            plan.add(new FaultRound(i, fault, primary, pick, hold(fault, sessionTimeout, random)));
        }
        return plan;
    }

    /** A round with the given fault, for callers that choose instead of drawing. */
    public static FaultRound of(int number, Fault fault, boolean hitsPrimary, Duration sessionTimeout) {
        return new FaultRound(number, fault, hitsPrimary, 0, hold(fault, sessionTimeout, new Random(number)));
    }

    /**
     * Faults that can cost the lease last beyond it (so a failover can happen while they last), plus a random part; a
     * crash of the store lasts less or more than a session, both worth trying. A migration and a crash of PostgreSQL
     * heal themselves.
     */
    private static Duration hold(Fault fault, Duration lease, Random random) {
        long s = lease.toMillis();
        long millis = switch (fault) {
            case CRASH_MEMBER -> s + random.nextLong(s + 1);
            case PAUSE_SIDECAR -> s * 3 / 2 + random.nextLong(s + 1);
            case CRASH_STORE -> s / 2 + random.nextLong(2 * s);
            case CUT_FROM_STORE, CUT_FROM_PEERS -> s + 1000 + random.nextLong(s + 1);
            case MIGRATE_MEMBER, CRASH_PRIMARY_POSTGRES -> 0;
        };
        return Duration.ofMillis(millis);
    }

    public String target() {
        return hitsPrimary ? "primary" : "replica";
    }
}
