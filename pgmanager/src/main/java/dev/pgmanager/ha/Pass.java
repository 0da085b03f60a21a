package dev.pgmanager.ha;

import java.time.Instant;

/**
 * One completed pass of the control loop: what it saw, what it decided, and when it finished.
 *
 * @param observation the snapshot it decided on
 * @param decision what it decided and why
 * @param finishedAt when its actions were done
 */
public record Pass(Observation observation, Decision decision, Instant finishedAt) {}
