package dev.pgmanager.store;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What a member's record says its database is doing, in more detail than its {@link MemberRole}. Stored as its
 * {@link #word()}: the words are the stored format (older releases read them as plain text), so a constant may be
 * added or renamed but its word never changes.
 */
public enum MemberState {
    /** A primary holding the lease, or a replica whose WAL receiver is not streaming (yet). */
    RUNNING("running"),
    /** A primary whose sidecar cannot prove it holds the lease: about to stop writes and demote. */
    RUNNING_WITHOUT_LEASE("running without the lease"),
    /** A replica whose WAL receiver streams from its upstream. */
    STREAMING("streaming"),
    NO_DATA("no data"),
    STOPPED("stopped"),
    /** Left stopped after an operator's rejoin could not rewind the data: only an operator decides what comes next. */
    STOPPED_AFTER_FAILED_REWIND("stopped: pg_rewind failed"),
    /** The data directory holds files that are not a PostgreSQL cluster, and the sidecar does not touch them. */
    FOREIGN_DATA("data directory is not ours"),
    /**
     * A word this release does not know, written by a newer one during a rolling upgrade. The record stays readable;
     * the member counts as neither streaming nor running, so it is never chosen as a switchover target or synchronous
     * standby on the strength of a state we cannot interpret. Never written by this release.
     */
    UNKNOWN("unknown");

    private static final Map<String, MemberState> BY_WORD = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(MemberState::word, Function.identity()));

    private final String word;

    MemberState(String word) {
        this.word = word;
    }

    /** The word stored in the member record and shown to operators. */
    @JsonValue
    public String word() {
        return word;
    }

    /** The state a stored word names; {@link #UNKNOWN} for a word a newer release wrote. */
    @JsonCreator
    public static MemberState ofWord(String word) {
        if (word == null) throw new IllegalArgumentException("a member record needs a state");
        return BY_WORD.getOrDefault(word, UNKNOWN);
    }

    @Override
    public String toString() {
        return word;
    }
}
