package dev.pgmanager.doctor;

import java.util.List;
import java.util.Optional;

/**
 * The doctor's findings, or why it could not examine anything.
 *
 * @param cluster the cluster's name
 * @param findings every finding, in the order of the checks
 * @param couldNotRun why nothing could be examined (neither the store nor any member answered); then exit code 2
 */
public record Report(String cluster, List<Finding> findings, Optional<String> couldNotRun) {
    public static final int HEALTHY = 0;
    public static final int FINDINGS = 1;
    public static final int COULD_NOT_RUN = 2;

    public Report {
        findings = List.copyOf(findings);
    }

    /** 0 when every finding is OK, 1 when any is a warning or critical, 2 when nothing could be examined. */
    public int exitCode() {
        if (couldNotRun.isPresent()) return COULD_NOT_RUN;
        return findings.stream().allMatch(f -> f.severity() == Severity.OK) ? HEALTHY : FINDINGS;
    }

    /** The findings of one check about one subject (tests and scripts look findings up this way). */
    public List<Finding> of(String check, String subject) {
        return findings.stream().filter(f -> f.check().equals(check) && f.subject().equals(subject)).toList();
    }
}
