package dev.pgmanager.postgres;

/**
 * A replica that replayed past the point where the newest timeline it knows of left its own: PostgreSQL will not follow
 * that timeline ("new timeline N forked off current database system timeline M before current recovery point") and its
 * WAL receiver restarts over and over, streaming the old timeline for a moment each time. Only a rewind helps. An
 * asynchronous replica that received more of the old primary's WAL than the member promoted in its place ends so.
 *
 * @param timeline the newer timeline, whose history file is in the replica's pg_wal
 * @param switchpoint where that history says the replica's timeline ended
 * @param replayed how far the replica replayed its own timeline
 */
public record PastSwitchpoint(int timeline, Lsn switchpoint, Lsn replayed) {}
