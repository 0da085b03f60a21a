package dev.pgmanager.postgres;

/**
 * What {@code pg_checksums --check} found.
 *
 * @param verdict whether every page passed, a page failed, or the check could not say (checksums disabled)
 * @param summary the tool's own last lines, for the log and the cluster history
 */
public record PageChecksums(Verdict verdict, String summary) {

    public enum Verdict { PASSED, FAILED, NOT_ENABLED }

    static PageChecksums of(int exitCode, String output) {
        String summary = CommandResult.tail(output, 6);
        if (exitCode == 0) return new PageChecksums(Verdict.PASSED, summary);
        // A cluster created without --data-checksums has nothing to verify: not a sign of damage.
        if (output.contains("data checksums are not enabled")) return new PageChecksums(Verdict.NOT_ENABLED, summary);
        return new PageChecksums(Verdict.FAILED, summary);
    }
}
