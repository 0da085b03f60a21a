package dev.pgmanager.platform.cli;

import dev.pgmanager.platform.LocalStatus;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --show-password}: the commands that print a local cluster's DATABASE_URL leave the superuser password out of
 * it unless asked, so that it does not land in a terminal's scrollback, a CI log or a screen share by default.
 */
final class PasswordOption {
    static final String PLACEHOLDER = "PASSWORD";

    @Option(names = "--show-password", description = "Print the superuser password in DATABASE_URL (by default it reads "
            + PLACEHOLDER + "; the password is superuser_password in DIR/cluster.json).")
    boolean show;

    /** The status as it may be printed. */
    LocalStatus printable(LocalStatus status) {
        return show ? status : status.withPasswordReplacedBy(PLACEHOLDER);
    }

    /** Where the hidden password is, for the line after DATABASE_URL; empty when it is shown. */
    String hint(Path dir) {
        return show ? "" : "# " + PLACEHOLDER + ": superuser_password in " + dir.resolve("cluster.json")
                + ", or run the command again with --show-password\n";
    }
}
