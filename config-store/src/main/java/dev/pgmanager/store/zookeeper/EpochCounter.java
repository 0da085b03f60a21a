package dev.pgmanager.store.zookeeper;

/** The highest leader epoch ever handed out in a cluster; stored on its own so it outlives every lease. */
record EpochCounter(long epoch) {
    EpochCounter {
        if (epoch < 0) throw new IllegalArgumentException("epoch must not be negative, was " + epoch);
    }
}
