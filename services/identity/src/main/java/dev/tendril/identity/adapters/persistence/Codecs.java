package dev.tendril.identity.adapters.persistence;

import dev.tendril.eventstore.JsonEventCodec;
import dev.tendril.identity.domain.EndpointEvent;
import dev.tendril.identity.domain.IdentityEvent;
import dev.tendril.identity.domain.NamespaceEvent;

/** The event codecs of this service's streams: JSON through one mapper, schema version 1. */
public final class Codecs {

    public static final JsonEventCodec<IdentityEvent> IDENTITY =
            JsonEventCodec.ofSealed(IdentityEvent.class, Json.MAPPER);
    public static final JsonEventCodec<NamespaceEvent> NAMESPACE =
            JsonEventCodec.ofSealed(NamespaceEvent.class, Json.MAPPER);
    public static final JsonEventCodec<EndpointEvent> ENDPOINT =
            JsonEventCodec.ofSealed(EndpointEvent.class, Json.MAPPER);

    private Codecs() {}

    /** The codec of one of the domain's sealed event types. */
    @SuppressWarnings("unchecked")
    static <E> JsonEventCodec<E> of(Class<E> type) {
        if (type == IdentityEvent.class) {
            return (JsonEventCodec<E>) IDENTITY;
        }
        if (type == NamespaceEvent.class) {
            return (JsonEventCodec<E>) NAMESPACE;
        }
        if (type == EndpointEvent.class) {
            return (JsonEventCodec<E>) ENDPOINT;
        }
        throw new IllegalArgumentException("no codec for " + type.getName());
    }
}
