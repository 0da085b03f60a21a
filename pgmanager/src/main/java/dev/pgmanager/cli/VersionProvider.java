package dev.pgmanager.cli;

import picocli.CommandLine.IVersionProvider;

/** The version recorded in the jar's manifest at build time. */
final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = Main.class.getPackage().getImplementationVersion();
        return new String[] {
            "pgmanager " + (version == null ? "(development build)" : version),
            "Java " + Runtime.version(),
        };
    }
}
