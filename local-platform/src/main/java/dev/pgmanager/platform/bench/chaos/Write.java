package dev.pgmanager.platform.bench.chaos;

/**
 * One write as the history knows it. The server itself fills in who took it and in which epoch, in the same statement
 * that inserts it, so neither can be a client's guess: {@code member} is its {@code cluster_name} (the machine ID) and
 * {@code epoch} the timeline its WAL is inserted on, which a promotion raises and nothing else changes.
 *
 * @param writer the client that sent it
 * @param seq the client's sequence number, never reused (an insert whose outcome is unknown burns its number)
 * @param member the machine ID of the server that took it
 * @param epoch the timeline the server wrote it on
 * @param lsn where its WAL went (the insert position when the statement ran): the order of the history
 * @param sentNanos when the client sent it ({@link System#nanoTime()}), for acknowledged writes; 0 for stored rows
 * @param ackedNanos when the client got the acknowledgement; 0 for stored rows
 */
public record Write(String writer, long seq, String member, long epoch, long lsn, long sentNanos, long ackedNanos) {
    /** A row as a server stores it, without client timings. */
    public static Write stored(String writer, long seq, String member, long epoch, long lsn) {
        return new Write(writer, seq, member, epoch, lsn, 0, 0);
    }

    /** The write's identity across client and servers. */
    public String key() {
        return writer + "#" + seq;
    }
}
