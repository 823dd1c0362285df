package dev.tendril.ipam.adapters.persistence;

import dev.tendril.eventstore.JsonEventCodec;
import dev.tendril.ipam.domain.NodeEvent;
import dev.tendril.ipam.domain.PoolEvent;

/** The event codecs of this service's streams: JSON through one mapper, schema version 1. */
public final class Codecs {

    public static final JsonEventCodec<PoolEvent> POOL = JsonEventCodec.ofSealed(PoolEvent.class, IpamJson.mapper());
    public static final JsonEventCodec<NodeEvent> NODE = JsonEventCodec.ofSealed(NodeEvent.class, IpamJson.mapper());

    private Codecs() {}
}
