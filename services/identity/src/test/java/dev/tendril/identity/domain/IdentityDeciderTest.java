package dev.tendril.identity.domain;

import static dev.tendril.eventstore.CommandRejectedException.Kind.CONFLICT;
import static dev.tendril.eventstore.CommandRejectedException.Kind.INVALID;
import static dev.tendril.eventstore.CommandRejectedException.Kind.NOT_FOUND;

import dev.tendril.eventstore.GivenWhenThen;
import dev.tendril.identity.domain.IdentityCommand.AllocateIdentity;
import dev.tendril.identity.domain.IdentityCommand.ReleaseIdentity;
import dev.tendril.identity.domain.IdentityEvent.IdentityAllocated;
import dev.tendril.identity.domain.IdentityEvent.IdentityReleased;
import dev.tendril.k8s.labels.Labels;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdentityDeciderTest {

    private static final Labels WEB = LabelSyntax.parseLabels(List.of("k8s:app=web"), "labels");
    private static final Labels DB = LabelSyntax.parseLabels(List.of("k8s:app=db"), "labels");
    private final IdentityDecider decider =
            new IdentityDecider(ClusterConfig.of("c", 0).range());

    @Test
    void allocatesAFreeId() {
        GivenWhenThen.of(decider).given().when(new AllocateIdentity(300, WEB)).then(new IdentityAllocated(300, WEB));
    }

    @Test
    void allocatingTheSameLabelsAgainChangesNothing() {
        GivenWhenThen.of(decider)
                .given(new IdentityAllocated(300, WEB))
                .when(new AllocateIdentity(300, WEB))
                .thenNothing();
    }

    @Test
    void refusesAnIdHeldByOtherLabels() {
        GivenWhenThen.of(decider)
                .given(new IdentityAllocated(300, WEB))
                .when(new AllocateIdentity(300, DB))
                .thenRejected(CONFLICT, "id");
    }

    @Test
    void allocatesAReleasedIdAgain() {
        GivenWhenThen.of(decider)
                .given(new IdentityAllocated(300, WEB), new IdentityReleased(300, WEB))
                .when(new AllocateIdentity(300, DB))
                .then(new IdentityAllocated(300, DB));
    }

    @Test
    void refusesIdsOutsideTheClusterRange() {
        GivenWhenThen.of(decider).given().when(new AllocateIdentity(255, WEB)).thenRejected(INVALID, "id");
        GivenWhenThen.of(decider).given().when(new AllocateIdentity(65536, WEB)).thenRejected(INVALID, "id");
        GivenWhenThen.of(new IdentityDecider(ClusterConfig.of("five", 5).range()))
                .given()
                .when(new AllocateIdentity(300, WEB))
                .thenRejected(INVALID, "id");
    }

    @Test
    void refusesAnEmptyLabelSet() {
        GivenWhenThen.of(decider)
                .given()
                .when(new AllocateIdentity(300, Labels.EMPTY))
                .thenRejected(INVALID, "labels");
    }

    @Test
    void releasesAnAllocatedIdWithItsLabels() {
        GivenWhenThen.of(decider)
                .given(new IdentityAllocated(300, WEB))
                .when(new ReleaseIdentity(300))
                .then(new IdentityReleased(300, WEB));
    }

    @Test
    void refusesToReleaseAFreeId() {
        GivenWhenThen.of(decider).given().when(new ReleaseIdentity(300)).thenRejected(NOT_FOUND, "id");
        GivenWhenThen.of(decider)
                .given(new IdentityAllocated(300, WEB), new IdentityReleased(300, WEB))
                .when(new ReleaseIdentity(300))
                .thenRejected(NOT_FOUND, "id");
    }

    @Test
    void exhaustionIsAConflictNamingTheRange() {
        var error = IdentityDecider.exhausted(new IdRange(256, 258), "c");
        org.assertj.core.api.Assertions.assertThat(error.kind()).isEqualTo(CONFLICT);
        org.assertj.core.api.Assertions.assertThat(error.reason())
                .contains("[256, 258]")
                .contains("exhausted");
    }
}
