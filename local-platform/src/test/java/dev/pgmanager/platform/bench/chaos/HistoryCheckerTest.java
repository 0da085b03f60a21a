package dev.pgmanager.platform.bench.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryCheckerTest {
    /** A write acknowledged by {@code member} in {@code epoch}, sent at {@code sentMs} and acknowledged 5 ms later. */
    private static Write ack(String writer, long seq, String member, long epoch, long lsn, long sentMs) {
        return new Write(writer, seq, member, epoch, lsn, sentMs * 1_000_000, (sentMs + 5) * 1_000_000);
    }

    private static Write row(Write w) {
        return Write.stored(w.writer(), w.seq(), w.member(), w.epoch(), w.lsn());
    }

    @Test
    void aFailoverFromOneEpochToTheNextIsConsistent() {
        Write a1 = ack("app1", 1, "a", 1, 100, 0);
        Write a2 = ack("app1", 2, "a", 1, 200, 20);
        Write b3 = ack("app1", 4, "b", 2, 300, 3000);
        var verdict = HistoryChecker.check(List.of(a1, a2, b3), List.of(row(a1), row(a2), row(b3)));
        assertTrue(verdict.consistent(), verdict.incidents().toString());
        assertTrue(verdict.lost().isEmpty());
    }

    @Test
    void anOldPrimaryAcceptingAWriteAfterTheNewOneDidIsSplitBrain() {
        Write b1 = ack("app1", 1, "b", 2, 300, 1000);
        // The old primary, cut off, still takes a probe's write sent after b had acknowledged one; it is lost later.
        Write a1 = ack("probe-a", 7, "a", 1, 250, 1100);
        var verdict = HistoryChecker.check(List.of(b1, a1), List.of(row(b1)));
        assertEquals(1, verdict.incidents().size(), verdict.incidents().toString());
        assertTrue(verdict.incidents().getFirst().contains("epoch 1 on a took write probe-a#7"), verdict.incidents().getFirst());
        assertEquals(List.of(a1), verdict.lost());
    }

    @Test
    void twoMembersWritingInOneEpochIsSplitBrain() {
        Write a1 = ack("app1", 1, "a", 3, 100, 0);
        Write b1 = ack("app2", 1, "b", 3, 110, 10);
        var verdict = HistoryChecker.check(List.of(a1, b1), List.of(row(a1)));
        assertEquals(List.of("epoch 3 took writes on 2 members: a, b"), verdict.incidents());
    }

    @Test
    void aSurvivingHistoryWhoseEpochGoesBackIsFlagged() {
        Write a1 = ack("app1", 1, "a", 1, 100, 0);
        Write b1 = ack("app1", 2, "b", 2, 200, 3000);
        // An epoch-1 row after an epoch-2 row in WAL order: a replica joined a history it does not belong to.
        Write a2 = Write.stored("app2", 9, "a", 1, 300);
        var verdict = HistoryChecker.check(List.of(a1, b1), List.of(row(a1), row(b1), a2));
        assertEquals(1, verdict.incidents().size(), verdict.incidents().toString());
        assertTrue(verdict.incidents().getFirst().startsWith("the surviving history goes back from epoch 2"));
    }

    @Test
    void anAcknowledgedWriteMissingFromTheNewPrimaryIsCountedLost() {
        Write a1 = ack("app1", 1, "a", 1, 100, 0);
        Write a2 = ack("app1", 2, "a", 1, 200, 20);
        Write b3 = ack("app1", 5, "b", 2, 150, 3000);
        var verdict = HistoryChecker.check(List.of(a1, a2, b3), List.of(row(a1), row(b3)));
        assertEquals(List.of(a2), verdict.lost());
        assertTrue(verdict.consistent(), "asynchronous loss of a write in flight is no split brain: " + verdict.incidents());
    }
}
