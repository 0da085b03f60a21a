package dev.pgmanager.sidecar.volume;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The address this machine had when it last started, kept on its volume (in the state directory next to the data
 * directory). A platform migration forks the volume and starts the machine with a new address, so comparing the two
 * on start is how a member learns that it was moved. Never read to connect to anything.
 */
public final class LastAddressOnVolume {
    static final String FILE_NAME = "last-address";

    private final StateFile file;

    public LastAddressOnVolume(Path stateDirectory) {
        this.file = new StateFile(stateDirectory, FILE_NAME);
    }

    public Optional<String> read() {
        return file.read().filter(address -> !address.isEmpty());
    }

    public void write(String address) {
        file.write(address);
    }

    Path file() {
        return file.path();
    }
}
