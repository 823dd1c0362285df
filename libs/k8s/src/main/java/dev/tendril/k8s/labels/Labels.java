package dev.tendril.k8s.labels;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable label set, sorted by key; one label per key, as in Cilium's {@code Labels} map. Its
 * {@link #identityKey()} is the one string that names an identity.
 */
public record Labels(List<Label> labels) implements LabelLookup {

    public static final Labels EMPTY = new Labels(List.of());

    /** @throws IllegalArgumentException if two labels share a key */
    public Labels {
        List<Label> sorted = new ArrayList<>(labels);
        sorted.sort(null);
        Set<String> keys = new HashSet<>();
        for (Label label : sorted) {
            if (!keys.add(label.key())) {
                throw new IllegalArgumentException("label key '" + label.key() + "' appears twice");
            }
        }
        labels = List.copyOf(sorted);
    }

    public static Labels of(Label... labels) {
        return new Labels(List.of(labels));
    }

    public static Labels of(Collection<Label> labels) {
        return new Labels(List.copyOf(labels));
    }

    public boolean isEmpty() {
        return labels.isEmpty();
    }

    public int size() {
        return labels.size();
    }

    public boolean containsAll(Labels other) {
        return new HashSet<>(labels).containsAll(other.labels);
    }

    @Override
    public Optional<Label> label(String source, String key) {
        return LabelLookup.find(labels, source, key);
    }

    /** Cilium's identity key: labels sorted by key, each written {@code source:key=value;}. */
    public String identityKey() {
        StringBuilder key = new StringBuilder();
        for (Label label : labels) {
            key.append(label.source())
                    .append(':')
                    .append(label.key())
                    .append('=')
                    .append(label.value())
                    .append(';');
        }
        return key.toString();
    }

    /** The labels in {@code source:key=value} form, in key order. */
    public List<String> strings() {
        return labels.stream().map(Label::toString).toList();
    }

    @Override
    public String toString() {
        return strings().toString();
    }
}
