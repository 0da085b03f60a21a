package dev.pgmanager.platform;

import dev.pgmanager.cli.LocalClusterFile;
import java.nio.file.Path;

/** Where a local cluster keeps its files, under one directory. */
record LocalLayout(Path dir) {
    static LocalLayout of(Path dir) {
        return new LocalLayout(dir.toAbsolutePath().normalize());
    }

    Path clusterFile() {
        return dir.resolve(LocalClusterFile.FILE_NAME);
    }

    /** The machine registry the local DNS server answers from (rewritten when a machine moves). */
    Path registry() {
        return dir.resolve("registry.json");
    }

    Path storeData() {
        return dir.resolve("platform").resolve("zookeeper");
    }

    /** The S3 server's objects (one directory per bucket) and its TLS certificate. */
    Path objectStorage() {
        return dir.resolve("platform").resolve("s3");
    }

    /** While this file exists the platform's S3 server is stopped, as an outage of the object storage would stop it. */
    Path objectStorageOutage() {
        return dir.resolve("platform").resolve("object-storage-down");
    }

    Path platformLog() {
        return dir.resolve("platform").resolve("platform.log");
    }

    Path platformPid() {
        return dir.resolve("platform").resolve("platform.pid");
    }

    /** A file here cuts that member off from the store, as a network partition would (see {@link LocalPlatform}). */
    Path isolation(String machineId) {
        return dir.resolve("platform").resolve("isolated").resolve(machineId);
    }

    Path member(String machineId) {
        return dir.resolve("members").resolve(machineId);
    }

    Path memberConfig(String machineId) {
        return member(machineId).resolve("pgmanager.yml");
    }

    Path memberData(String machineId) {
        return member(machineId).resolve("data");
    }

    Path memberSockets(String machineId) {
        return member(machineId).resolve("run");
    }

    Path memberLog(String machineId) {
        return member(machineId).resolve("sidecar.log");
    }

    Path memberPid(String machineId) {
        return member(machineId).resolve("sidecar.pid");
    }
}
