package dev.tendril.flows.domain;

import dev.tendril.k8s.labels.Label;
import dev.tendril.k8s.labels.LabelLookup;
import java.util.List;
import java.util.Optional;

/**
 * One side of a flow without its address: few distinct values exist (one per pod and identity), so
 * stored flows share interned instances.
 */
public record Peer(String namespace, String pod, int identity, List<Label> labels) implements LabelLookup {

    public static final Peer UNKNOWN = new Peer("", "", 0, List.of());

    public Peer {
        labels = List.copyOf(labels);
    }

    @Override
    public Optional<Label> label(String source, String key) {
        return LabelLookup.find(labels, source, key);
    }
}
