package dev.tendril.k8s.labels;

import java.util.Optional;

/** Whatever carries labels a {@link LabelSelector} can ask for by source and key: a label set, an identity, a flow's peer. */
@FunctionalInterface
public interface LabelLookup {

    /** The label with this key and source ({@link LabelSource#ANY} for any source), the first if several match. */
    Optional<Label> label(String source, String key);

    /** {@link #label} over {@code labels} in their iteration order. */
    static Optional<Label> find(Iterable<Label> labels, String source, String key) {
        boolean anySource = LabelSource.ANY.equals(source);
        for (Label label : labels) {
            if (label.key().equals(key) && (anySource || label.source().equals(source))) {
                return Optional.of(label);
            }
        }
        return Optional.empty();
    }
}
