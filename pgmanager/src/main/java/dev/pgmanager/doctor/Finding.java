package dev.pgmanager.doctor;

import java.util.Objects;
import java.util.Optional;

/**
 * One line of the doctor's report.
 *
 * @param severity how bad it is
 * @param check the stable name of the check that found it ({@code store}, {@code lease}, {@code member}, ...)
 * @param subject the machine ID it is about, or the cluster's name
 * @param message what is the case, with the facts that show it
 * @param fix the exact command (or SQL/shell step) that fixes it; empty for an OK finding or when nothing helps but time
 */
public record Finding(Severity severity, String check, String subject, String message, Optional<String> fix) {
    public Finding {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(check, "check");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(fix, "fix");
    }

    public static Finding ok(String check, String subject, String message) {
        return new Finding(Severity.OK, check, subject, message, Optional.empty());
    }

    public static Finding warning(String check, String subject, String message, String fix) {
        return new Finding(Severity.WARNING, check, subject, message, Optional.ofNullable(fix));
    }

    public static Finding critical(String check, String subject, String message, String fix) {
        return new Finding(Severity.CRITICAL, check, subject, message, Optional.ofNullable(fix));
    }
}
