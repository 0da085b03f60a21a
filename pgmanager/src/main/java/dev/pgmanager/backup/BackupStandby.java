package dev.pgmanager.backup;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A streaming replica that a backup can read its files from, through its pgBackRest server, at its address now.
 *
 * @param machineId       the replica, for the log
 * @param address         where its pgBackRest server listens, as DNS gives it now
 * @param serverPort      the server's port
 * @param dataDirectory   its PostgreSQL's data directory, as its sidecar published it
 * @param socketDirectory its PostgreSQL's socket directory
 * @param databasePort    its PostgreSQL's port
 */
public record BackupStandby(String machineId, InetAddress address, int serverPort, Path dataDirectory, Path socketDirectory,
                            int databasePort) {
    public BackupStandby {
        Objects.requireNonNull(machineId, "machineId");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        Objects.requireNonNull(socketDirectory, "socketDirectory");
    }

    /** pgBackRest's options that add the replica as the second PostgreSQL and take the backup's files from it. */
    java.util.List<String> pgBackRestOptions(Path caFile, BackupTls.ClientCertificate client, String osUser) {
        return java.util.List.of("--backup-standby",
                "--pg2-host=" + BackupTls.hostText(address),
                "--pg2-host-type=tls",
                "--pg2-host-port=" + serverPort,
                "--pg2-host-ca-file=" + caFile,
                "--pg2-host-cert-file=" + client.certificateFile(),
                "--pg2-host-key-file=" + client.keyFile(),
                "--pg2-path=" + dataDirectory,
                "--pg2-port=" + databasePort,
                "--pg2-socket-path=" + socketDirectory,
                "--pg2-user=" + osUser);
    }
}
