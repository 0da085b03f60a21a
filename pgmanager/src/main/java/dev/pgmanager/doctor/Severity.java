package dev.pgmanager.doctor;

/** How bad a finding is; the worst one decides the doctor's exit code. */
public enum Severity {
    /** Checked and as it should be. */
    OK,
    /** Works now, but is one fault away from trouble or will break on the next move. */
    WARNING,
    /** Broken now: a member cannot fail over, replicate, or be reached. */
    CRITICAL
}
