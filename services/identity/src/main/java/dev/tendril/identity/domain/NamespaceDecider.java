package dev.tendril.identity.domain;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.eventstore.Decider;
import dev.tendril.identity.domain.NamespaceCommand.DeleteNamespace;
import dev.tendril.identity.domain.NamespaceCommand.UpsertNamespace;
import dev.tendril.identity.domain.NamespaceEvent.NamespaceDeleted;
import dev.tendril.identity.domain.NamespaceEvent.NamespaceUpserted;
import java.util.List;
import java.util.Optional;

/** Namespaces: an upsert that changes nothing records nothing; a namespace with endpoints is not deleted. */
public final class NamespaceDecider implements Decider<NamespaceCommand, Optional<Namespace>, NamespaceEvent> {

    @Override
    public Optional<Namespace> initialState() {
        return Optional.empty();
    }

    @Override
    public Optional<Namespace> evolve(Optional<Namespace> state, NamespaceEvent event) {
        return switch (event) {
            case NamespaceUpserted upserted -> Optional.of(upserted.namespace());
            case NamespaceDeleted deleted -> Optional.empty();
        };
    }

    @Override
    public List<NamespaceEvent> decide(NamespaceCommand command, Optional<Namespace> state) {
        return switch (command) {
            case UpsertNamespace upsert ->
                state.filter(upsert.namespace()::equals).isPresent()
                        ? List.of()
                        : List.of(new NamespaceUpserted(upsert.namespace()));
            case DeleteNamespace delete -> {
                if (state.isEmpty()) {
                    throw CommandRejectedException.notFound("name", "namespace '" + delete.name() + "' does not exist");
                }
                if (delete.endpoints() > 0) {
                    throw CommandRejectedException.conflict(
                            "name",
                            "namespace '" + delete.name() + "' still has " + delete.endpoints()
                                    + " endpoint(s); deregister them first");
                }
                yield List.of(new NamespaceDeleted(delete.name()));
            }
        };
    }
}
