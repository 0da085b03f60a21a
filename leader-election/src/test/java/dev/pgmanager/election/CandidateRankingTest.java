package dev.pgmanager.election;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CandidateRankingTest {
    private static final long TIMELINE = 3;
    private static final long LEADER_AT = 10_000;
    private static final long MAX_LAG = 1_000;
    private static final FailoverRules ASYNC = FailoverRules.asynchronous(TIMELINE, LEADER_AT, MAX_LAG);
    private static final FailoverRules SYNC =
            new FailoverRules(TIMELINE, LEADER_AT, MAX_LAG, Optional.of(Set.of("sync1")));

    private static Candidate candidate(String id, long timeline, long received, long replayed, int priority, boolean noFailover) {
        return new Candidate(id, timeline, received, replayed, priority, noFailover);
    }

    static Stream<Arguments> eligibility() {
        return Stream.of(
                Arguments.of("healthy replica", ASYNC, candidate("a", TIMELINE, LEADER_AT, LEADER_AT, 0, false), null),
                Arguments.of("nofailover tag wins over everything", ASYNC, candidate("a", TIMELINE, LEADER_AT, LEADER_AT, 9, true), Exclusion.NO_FAILOVER_TAG),
                Arguments.of("older timeline", ASYNC, candidate("a", TIMELINE - 1, LEADER_AT, LEADER_AT, 0, false), Exclusion.OFF_LEADER_TIMELINE),
                Arguments.of("newer timeline (diverged)", ASYNC, candidate("a", TIMELINE + 1, LEADER_AT, LEADER_AT, 0, false), Exclusion.OFF_LEADER_TIMELINE),
                Arguments.of("lag exactly at the limit", ASYNC, candidate("a", TIMELINE, LEADER_AT - MAX_LAG, 0, 0, false), null),
                Arguments.of("lag one byte over the limit", ASYNC, candidate("a", TIMELINE, LEADER_AT - MAX_LAG - 1, 0, 0, false), Exclusion.LAGGING_TOO_FAR),
                Arguments.of("never received anything", ASYNC, candidate("a", TIMELINE, -1, -1, 0, false), Exclusion.LAGGING_TOO_FAR),
                Arguments.of("synchronous standby in sync mode", SYNC, candidate("sync1", TIMELINE, LEADER_AT, LEADER_AT, 0, false), null),
                Arguments.of("asynchronous standby in sync mode", SYNC, candidate("async1", TIMELINE, LEADER_AT, LEADER_AT, 0, false), Exclusion.NOT_SYNCHRONOUS));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("eligibility")
    void eachRuleExcludesWhatItNames(String situation, FailoverRules rules, Candidate candidate, Exclusion expected) {
        assertEquals(Optional.ofNullable(expected), new CandidateRanking(rules).exclusion(candidate), situation);
    }

    static Stream<Arguments> ordering() {
        return Stream.of(
                Arguments.of("most received WAL first",
                        List.of(candidate("a", TIMELINE, 9_500, 9_500, 0, false), candidate("b", TIMELINE, 9_900, 9_000, 0, false)),
                        List.of("b", "a")),
                Arguments.of("then most replayed",
                        List.of(candidate("a", TIMELINE, 9_900, 9_100, 0, false), candidate("b", TIMELINE, 9_900, 9_800, 0, false)),
                        List.of("b", "a")),
                Arguments.of("then higher priority",
                        List.of(candidate("a", TIMELINE, 9_900, 9_900, 1, false), candidate("b", TIMELINE, 9_900, 9_900, 5, false)),
                        List.of("b", "a")),
                Arguments.of("then machine ID, so every member breaks ties alike",
                        List.of(candidate("b", TIMELINE, 9_900, 9_900, 0, false), candidate("a", TIMELINE, 9_900, 9_900, 0, false)),
                        List.of("a", "b")),
                Arguments.of("WAL beats priority",
                        List.of(candidate("a", TIMELINE, 9_000, 9_000, 100, false), candidate("b", TIMELINE, 9_001, 9_001, 0, false)),
                        List.of("b", "a")),
                Arguments.of("excluded candidates are left out, however advanced",
                        List.of(candidate("a", TIMELINE, 9_000, 9_000, 0, false), candidate("b", TIMELINE, 20_000, 20_000, 0, true),
                                candidate("c", TIMELINE + 1, 20_000, 20_000, 0, false)),
                        List.of("a")),
                Arguments.of("nobody eligible",
                        List.of(candidate("a", TIMELINE, 0, 0, 0, false)),
                        List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ordering")
    void ranksEligibleCandidatesBestFirst(String situation, List<Candidate> candidates, List<String> expectedOrder) {
        var ranked = new CandidateRanking(ASYNC).rank(candidates).stream().map(Candidate::machineId).toList();
        assertEquals(expectedOrder, ranked, situation);
    }

    @Test
    void bestIsTheSameWhateverTheInputOrder() {
        var a = candidate("a", TIMELINE, 9_900, 9_900, 0, false);
        var b = candidate("b", TIMELINE, 9_900, 9_900, 0, false);
        var ranking = new CandidateRanking(ASYNC);
        assertEquals(ranking.best(List.of(a, b)), ranking.best(List.of(b, a)));
        assertEquals("a", ranking.best(List.of(b, a)).orElseThrow().machineId());
    }
}
