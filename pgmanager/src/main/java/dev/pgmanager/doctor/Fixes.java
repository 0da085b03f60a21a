package dev.pgmanager.doctor;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Spells the commands findings suggest, complete with the options that reach this cluster, so that an operator can
 * copy them as they are. Where pgmanager has no command for a fix, a psql or platform command is given instead.
 *
 * @param targetArgs the options naming the cluster, as {@code pgmanager doctor} was given them ({@code --dir DIR}, or
 *     {@code --store ... --cluster ...})
 * @param localDir the local cluster's directory, when the cluster is a {@code pgmanager local} one
 * @param app the cluster's name (the Fly app)
 * @param storeConnect the store's connect string
 * @param superuser the superuser's name, for psql
 */
public record Fixes(String targetArgs, Optional<Path> localDir, String app, String storeConnect, String superuser) {

    /** {@code pgmanager COMMAND <target options>}. */
    public String pgmanager(String command) {
        return "pgmanager " + command + (targetArgs.isEmpty() ? "" : " " + targetArgs);
    }

    /** A psql command running {@code sql} on the member at {@code address:port}. */
    public String psql(String address, int port, String sql) {
        return "psql \"host=" + address + " port=" + port + " user=" + superuser + " dbname=postgres\" -c \"" + sql + "\"";
    }

    /** Starts a member's machine (and with it its sidecar): the local runner's command, or the platform's. */
    public String startMember(String machineId) {
        return localDir.map(dir -> "pgmanager local start " + machineId + " --dir " + dir)
                .orElse("fly machine start " + machineId + " -a " + app);
    }

    /** Starts the store. */
    public String startStore() {
        return localDir.map(dir -> "pgmanager local up --dir " + dir)
                .orElse("start the ZooKeeper servers of " + storeConnect + " (zkServer.sh start on each), then run "
                        + pgmanager("doctor"));
    }

    /** Makes the platform's DNS answer for a member again: its machine must run (a stopped machine has no record). */
    public String restoreDnsRecord(String machineId) {
        return startMember(machineId);
    }
}
