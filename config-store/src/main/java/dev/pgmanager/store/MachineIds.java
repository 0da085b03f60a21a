package dev.pgmanager.store;

import java.util.regex.Pattern;

/**
 * Machine IDs name znodes, replication slots and {@code application_name}s, so they are restricted to
 * characters that are safe in all of them.
 */
public final class MachineIds {
    private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9_]{0,62}");

    private MachineIds() {}

    public static String requireValid(String machineId) {
        if (machineId == null || !VALID.matcher(machineId).matches()) {
            throw new IllegalArgumentException("invalid machine ID " + (machineId == null ? "null" : "'" + machineId + "'")
                    + ": use 1 to 63 lower-case letters, digits or '_', starting with a letter or digit");
        }
        return machineId;
    }
}
