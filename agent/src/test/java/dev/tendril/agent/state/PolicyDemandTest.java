package dev.tendril.agent.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.api.v1.SubjectPolicyMap;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Which subjects a fetching agent asks the policy service for, and when (times are given, not read). */
class PolicyDemandTest {

    private static final long T0 = 1_000_000_000L;
    private static final long MS = Duration.ofMillis(1).toNanos();

    private final PolicyDemand demand = new PolicyDemand();

    private static SubjectPolicyMap map(long subject, long revision) {
        return SubjectPolicyMap.newBuilder()
                .setSubject((int) subject)
                .setRevision(revision)
                .build();
    }

    private static NodeImage holding(SubjectPolicyMap... maps) {
        Map<Long, SubjectPolicyMap> policies = new HashMap<>();
        for (SubjectPolicyMap m : maps) {
            policies.put(Integer.toUnsignedLong(m.getSubject()), m);
        }
        return new NodeImage(Map.of(), Map.of(), Map.of(), policies);
    }

    private static Map<Long, Long> revision(long subject, Long revision) {
        Map<Long, Long> m = new HashMap<>();
        m.put(subject, revision);
        return m;
    }

    @Test
    void asksForANeededSubjectItHoldsNoMapOfAndOnlyForNeededOnes() {
        demand.revisions(Map.of(1001L, 3L, 1002L, 5L));

        assertThat(demand.due(NodeImage.EMPTY, Set.of(1001L), T0)).containsExactly(1001L);
        assertThat(demand.inFlight()).isTrue();
    }

    @Test
    void asksNothingWhileACallIsInFlightThenWhatBecameDueMeanwhile() {
        demand.revisions(Map.of(1001L, 3L, 1002L, 5L));
        demand.due(NodeImage.EMPTY, Set.of(1001L), T0);

        assertThat(demand.due(NodeImage.EMPTY, Set.of(1001L, 1002L), T0)).isEmpty();
        List<SubjectPolicyMap> replay = demand.answered(List.of(map(1001, 3)), T0);

        assertThat(replay).containsExactly(map(1001, 3));
        assertThat(demand.due(holding(map(1001, 3)), Set.of(1001L, 1002L), T0)).containsExactly(1002L);
    }

    @Test
    void asksAgainWhenTheRevisionTopicShowsANewerRevisionThanTheOneHeld() {
        demand.revisions(Map.of(1001L, 3L));
        NodeImage held = holding(map(1001, 3));
        assertThat(demand.due(held, Set.of(1001L), T0)).isEmpty();

        demand.revisions(Map.of(1001L, 4L));

        assertThat(demand.due(held, Set.of(1001L), T0)).containsExactly(1001L);
    }

    @Test
    void anAnswerBehindTheWantedRevisionIsAppliedAndAskedAgainAfterABackoff() {
        demand.revisions(Map.of(1001L, 4L));
        demand.due(holding(map(1001, 2)), Set.of(1001L), T0);

        assertThat(demand.answered(List.of(map(1001, 3)), T0)).containsExactly(map(1001, 3));
        NodeImage held = holding(map(1001, 3));
        assertThat(demand.due(held, Set.of(1001L), T0 + 50 * MS)).isEmpty();
        assertThat(demand.due(held, Set.of(1001L), T0 + 100 * MS)).containsExactly(1001L);

        // Behind again: the backoff doubles.
        demand.answered(List.of(map(1001, 3)), T0 + 100 * MS);
        assertThat(demand.due(held, Set.of(1001L), T0 + 250 * MS)).isEmpty();
        assertThat(demand.due(held, Set.of(1001L), T0 + 300 * MS)).containsExactly(1001L);

        demand.answered(List.of(map(1001, 4)), T0 + 300 * MS);
        assertThat(demand.due(holding(map(1001, 4)), Set.of(1001L), T0 + 10_000 * MS))
                .isEmpty();
    }

    @Test
    void absentWhileARevisionIsKnownIsBehindTooAbsentWithoutOneSettles() {
        demand.revisions(Map.of(1001L, 1L));
        demand.due(NodeImage.EMPTY, Set.of(1001L, 7L), T0);

        assertThat(demand.answered(List.of(), T0)).isEmpty();

        assertThat(demand.due(NodeImage.EMPTY, Set.of(1001L, 7L), T0 + 100 * MS))
                .as("1001 has a revision the replica has not read; 7 (no revision, absent) is not asked again")
                .containsExactly(1001L);
        demand.answered(List.of(map(1001, 1)), T0 + 100 * MS);
        demand.revisions(Map.of(7L, 1L));
        assertThat(demand.due(holding(map(1001, 1)), Set.of(1001L, 7L), T0 + 100 * MS))
                .as("a revision of 7 came: asked again")
                .containsExactly(7L);
    }

    @Test
    void aFailedCallIsRetriedForEverySubjectWithAGrowingBackoffCappedAtFiveSeconds() {
        demand.revisions(Map.of(1001L, 1L, 1002L, 1L));
        Set<Long> needed = Set.of(1001L, 1002L);
        long now = T0;
        assertThat(demand.due(NodeImage.EMPTY, needed, now)).hasSize(2);
        long[] backoffs = {200, 400, 800, 1600, 3200, 5000, 5000};
        for (long backoff : backoffs) {
            demand.failed(now);
            assertThat(demand.due(NodeImage.EMPTY, needed, now + backoff * MS - 1))
                    .isEmpty();
            now += backoff * MS;
            assertThat(demand.due(NodeImage.EMPTY, needed, now)).hasSize(2);
        }
        assertThat(demand.failures()).isEqualTo(backoffs.length);

        demand.answered(List.of(map(1001, 1), map(1002, 1)), now);

        assertThat(demand.failures()).isZero();
    }

    @Test
    void aTombstoneStopsTheFetchesAndDropsAnAnswerThatCrossedIt() {
        demand.revisions(Map.of(1001L, 1L));
        demand.due(NodeImage.EMPTY, Set.of(1001L), T0);

        demand.revisions(revision(1001L, null));

        assertThat(demand.answered(List.of(map(1001, 1)), T0)).isEmpty();
        assertThat(demand.due(NodeImage.EMPTY, Set.of(1001L), T0 + 10_000 * MS)).isEmpty();
        assertThat(demand.wanted(1001)).isEqualTo(-1);

        demand.revisions(Map.of(1001L, 2L));
        assertThat(demand.due(NodeImage.EMPTY, Set.of(1001L), T0 + 10_000 * MS)).containsExactly(1001L);
    }

    @Test
    void aSubjectNoLongerNeededIsForgottenAndItsAnswerDropped() {
        demand.revisions(Map.of(1001L, 1L, 1002L, 1L));
        demand.due(NodeImage.EMPTY, Set.of(1001L, 1002L), T0);
        // 1002's endpoint left while the call was in flight.
        demand.due(NodeImage.EMPTY, Set.of(1001L), T0);

        assertThat(demand.answered(List.of(map(1001, 1), map(1002, 1)), T0)).containsExactly(map(1001, 1));
        assertThat(demand.forgotten(holding(map(1001, 1), map(1002, 1)), Set.of(1001L)))
                .containsExactly(1002L);
    }

    @Test
    void oneCallAsksForAtMost4096Subjects() {
        Set<Long> needed = new HashSet<>();
        LongStream.rangeClosed(1, 5000).forEach(needed::add);

        List<Long> first = demand.due(NodeImage.EMPTY, needed, T0);
        assertThat(first).hasSize(PolicyDemand.MAX_BATCH).doesNotHaveDuplicates();
        demand.answered(first.stream().map(s -> map(s, 1)).toList(), T0);
        Map<Long, SubjectPolicyMap> held = new HashMap<>();
        first.forEach(s -> held.put(s, map(s, 1)));

        List<Long> second = demand.due(new NodeImage(Map.of(), Map.of(), Map.of(), held), needed, T0);
        assertThat(second).hasSize(5000 - PolicyDemand.MAX_BATCH).doesNotContainAnyElementsOf(first);
    }
}
