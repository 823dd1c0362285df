package dev.tendril.flows.domain;

import java.util.List;

/**
 * One side of a flow without its address: few distinct values exist (one per pod and identity), so
 * stored flows share interned instances.
 */
public record Peer(String namespace, String pod, int identity, List<Label> labels) {

    public static final Peer UNKNOWN = new Peer("", "", 0, List.of());

    public Peer {
        labels = List.copyOf(labels);
    }
}
