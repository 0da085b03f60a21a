package dev.pgmanager.cli;

import dev.pgmanager.api.OperatorCommands.Result;
import dev.pgmanager.sidecar.loop.OperatorRequests;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;

/** Turns maintenance mode on or off: one change of the cluster spec, filed in the store. */
abstract class MaintenanceCommand extends ClusterCommand {
    /** Files the change. */
    abstract Result request(OperatorRequests requests);

    @Override
    public Integer call() {
        try (ZooKeeperClusterStore store = target.openStore()) {
            ClusterRequests.report(request(ClusterRequests.over(store)), out());
        }
        return 0;
    }
}
