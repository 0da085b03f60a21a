package dev.pgmanager.store.zookeeper;

import java.util.Optional;

/**
 * What {@code pgmanager store repair} did, or would do, to one record that cannot be read.
 *
 * @param location the znode
 * @param problem why it cannot be read
 * @param remedy what is done about it, and what the cluster does next
 * @param keptAt where its bytes were copied before it was changed; empty in a dry run
 */
public record RecordRepair(String location, String problem, String remedy, Optional<String> keptAt) {}
