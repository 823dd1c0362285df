package dev.tendril.policy.domain;

import dev.tendril.k8s.labels.Label;
import dev.tendril.k8s.labels.LabelLookup;
import dev.tendril.k8s.labels.LabelSource;
import dev.tendril.net.Cidr;
import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A security identity and its label set, as the identity service publishes it. The identity is what a
 * policy-map key names; its labels are what selectors match.
 *
 * @param id the numeric identity, 1..2^32-1 (0 means "any peer" in a policy map and is never an identity)
 * @param labels the labels, at least one; every {@code cidr:} label names a valid prefix
 */
public record Identity(long id, SortedSet<Label> labels) implements LabelLookup {

    public static final long HOST = 1;
    public static final long WORLD = 2;
    public static final long UNMANAGED = 3;
    public static final long HEALTH = 4;
    public static final long INIT = 5;
    public static final long REMOTE_NODE = 6;
    public static final long KUBE_APISERVER = 7;
    public static final long INGRESS = 8;

    public Identity {
        if (id <= 0 || id > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("identity must be 1..4294967295, got " + id);
        }
        if (labels == null || labels.isEmpty()) {
            throw new IllegalArgumentException("identity " + id + " must have labels");
        }
        for (Label l : labels) {
            // Selectors, the compiler and the API read every cidr: label as a prefix: one that is not must
            // never become an identity, or it breaks everything that looks at it.
            if (l.source().equals(LabelSource.CIDR)) {
                try {
                    Cidr.parseMasked(l.key());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(
                            "identity " + id + " has label " + l + " that is not a CIDR: " + e.getMessage(), e);
                }
            }
        }
        labels = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(labels));
    }

    public static Identity of(long id, Collection<Label> labels) {
        return new Identity(id, new TreeSet<>(labels));
    }

    /** Reserved identity {@code id} with the single label {@code reserved:<name>}. */
    public static Identity reserved(long id, String name) {
        return of(id, Set.of(Label.reserved(name)));
    }

    /** A CIDR identity: {@code cidr:<prefix>} plus {@code reserved:world}, as Cilium labels them. */
    public static Identity cidr(long id, Cidr prefix) {
        return of(id, Set.of(new Label(LabelSource.CIDR, prefix.toString(), ""), Label.reserved("world")));
    }

    /** A pod identity with Cilium's Kubernetes labels: pod labels, namespace labels, namespace, cluster. */
    public static Identity pod(
            long id,
            String namespace,
            java.util.Map<String, String> namespaceLabels,
            java.util.Map<String, String> podLabels,
            String cluster) {
        SortedSet<Label> out = new TreeSet<>();
        podLabels.forEach((k, v) -> out.add(Label.k8s(k, v)));
        namespaceLabels.forEach((k, v) -> out.add(Label.k8s(Label.NAMESPACE_LABELS_PREFIX + k, v)));
        out.add(Label.k8s(Label.NAMESPACE_KEY, namespace));
        out.add(Label.k8s(Label.CLUSTER_KEY, cluster));
        return new Identity(id, out);
    }

    /** The label with this key whose source matches ({@code any} matches every source). */
    @Override
    public Optional<Label> label(String source, String key) {
        return LabelLookup.find(labels, source, key);
    }

    public boolean hasReserved(String name) {
        return labels.contains(Label.reserved(name));
    }

    /** The most specific {@code cidr:} prefix of this identity, if it is a CIDR identity. */
    public Optional<Cidr> cidr() {
        return labels.stream()
                .filter(l -> l.source().equals(LabelSource.CIDR))
                .map(l -> Cidr.parseMasked(l.key()))
                .max(Comparator.comparingInt(Cidr::prefixLength));
    }

    @Override
    public String toString() {
        return id + labels.toString();
    }
}
