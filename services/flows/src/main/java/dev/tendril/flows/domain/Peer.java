package dev.tendril.flows.domain;

import dev.tendril.k8s.labels.Label;
import dev.tendril.k8s.labels.LabelLookup;
import java.util.List;
import java.util.Optional;

/**
 * One side of a flow without its address: few distinct values exist (one per pod and identity), so
 * stored flows share interned instances. {@code cluster} and {@code workloads} are Hubble's
 * {@code Endpoint.cluster_name} and {@code workloads}, empty when the flow carries none.
 */
public record Peer(
        String namespace, String pod, int identity, List<Label> labels, String cluster, List<Workload> workloads)
        implements LabelLookup {

    /** Hubble's {@code flow.Workload}: the controller owning a pod ({@code Deployment}, {@code web}). */
    public record Workload(String kind, String name) {}

    public static final Peer UNKNOWN = new Peer("", "", 0, List.of());

    public Peer {
        labels = List.copyOf(labels);
        workloads = List.copyOf(workloads);
    }

    public Peer(String namespace, String pod, int identity, List<Label> labels) {
        this(namespace, pod, identity, labels, "", List.of());
    }

    @Override
    public Optional<Label> label(String source, String key) {
        return LabelLookup.find(labels, source, key);
    }
}
