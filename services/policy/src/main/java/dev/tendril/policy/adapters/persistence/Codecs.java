package dev.tendril.policy.adapters.persistence;

import dev.tendril.eventstore.JsonEventCodec;
import dev.tendril.policy.domain.PolicyEvent;
import dev.tendril.policy.domain.SubjectEvent;

/** The event codecs of this service's streams: JSON through one mapper, schema version 1. */
public final class Codecs {

    public static final JsonEventCodec<PolicyEvent> POLICY =
            JsonEventCodec.ofSealed(PolicyEvent.class, PolicyJson.MAPPER);
    public static final JsonEventCodec<SubjectEvent> SUBJECT =
            JsonEventCodec.ofSealed(SubjectEvent.class, PolicyJson.MAPPER);

    private Codecs() {}
}
