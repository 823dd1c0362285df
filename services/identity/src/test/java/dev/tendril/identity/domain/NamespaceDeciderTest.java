package dev.tendril.identity.domain;

import static dev.tendril.eventstore.CommandRejectedException.Kind.CONFLICT;
import static dev.tendril.eventstore.CommandRejectedException.Kind.INVALID;
import static dev.tendril.eventstore.CommandRejectedException.Kind.NOT_FOUND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.eventstore.GivenWhenThen;
import dev.tendril.identity.domain.NamespaceCommand.DeleteNamespace;
import dev.tendril.identity.domain.NamespaceCommand.UpsertNamespace;
import dev.tendril.identity.domain.NamespaceEvent.NamespaceDeleted;
import dev.tendril.identity.domain.NamespaceEvent.NamespaceUpserted;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NamespaceDeciderTest {

    private final NamespaceDecider decider = new NamespaceDecider();
    private final Namespace shop = Namespace.of("shop", Map.of("team", "a"));

    @Test
    void addsTheMetadataNameLabelAsKubernetesDoes() {
        assertThat(shop.labels())
                .containsEntry("kubernetes.io/metadata.name", "shop")
                .containsEntry("team", "a");
    }

    @Test
    void upsertsAndRelabels() {
        Namespace relabelled = Namespace.of("shop", Map.of("team", "b"));
        GivenWhenThen.of(decider).given().when(new UpsertNamespace(shop)).then(new NamespaceUpserted(shop));
        GivenWhenThen.of(decider)
                .given(new NamespaceUpserted(shop))
                .when(new UpsertNamespace(relabelled))
                .then(new NamespaceUpserted(relabelled));
        GivenWhenThen.of(decider)
                .given(new NamespaceUpserted(shop))
                .when(new UpsertNamespace(shop))
                .thenNothing();
    }

    @Test
    void deletesOnlyAnEmptyExistingNamespace() {
        GivenWhenThen.of(decider)
                .given(new NamespaceUpserted(shop))
                .when(new DeleteNamespace("shop", 0))
                .then(new NamespaceDeleted("shop"));
        GivenWhenThen.of(decider)
                .given(new NamespaceUpserted(shop))
                .when(new DeleteNamespace("shop", 2))
                .thenRejected(CONFLICT, "name");
        GivenWhenThen.of(decider).given().when(new DeleteNamespace("shop", 0)).thenRejected(NOT_FOUND, "name");
    }

    @Test
    void refusesBadNamesAndLabels() {
        assertThatThrownBy(() -> Namespace.of("Bad_Name", Map.of()))
                .isInstanceOfSatisfying(CommandRejectedException.class, e -> {
                    assertThat(e.kind()).isEqualTo(INVALID);
                    assertThat(e.field()).isEqualTo("name");
                });
        assertThatThrownBy(() -> Namespace.of("ok", Map.of("bad key", "v")))
                .isInstanceOfSatisfying(
                        CommandRejectedException.class,
                        e -> assertThat(e.field()).isEqualTo("labels"));
    }
}
