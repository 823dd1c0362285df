package dev.tendril.identity.domain;

import dev.tendril.eventstore.CommandRejectedException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An immutable label set, sorted by key; one label per key, as in Cilium's {@code Labels} map. Its
 * {@link #identityKey()} is the one string that names an identity.
 */
public record Labels(List<Label> labels) {

    /** Larger sets are refused: no real pod needs them, and they bloat every map and topic. */
    public static final int MAX_LABELS = 64;

    public static final Labels EMPTY = new Labels(List.of());

    public Labels {
        List<Label> sorted = new ArrayList<>(labels);
        sorted.sort(null);
        Set<String> keys = new HashSet<>();
        for (Label label : sorted) {
            if (!keys.add(label.key())) {
                throw CommandRejectedException.invalid("labels", "label key '" + label.key() + "' appears twice");
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

    /** Parses and validates {@code source:key=value} strings; {@code field} names the input in a rejection. */
    public static Labels parse(Collection<String> texts, String field) {
        if (texts == null) {
            throw CommandRejectedException.invalid(field, "labels are required");
        }
        if (texts.size() > MAX_LABELS) {
            throw CommandRejectedException.invalid(field, texts.size() + " labels, at most " + MAX_LABELS + " allowed");
        }
        List<Label> parsed = new ArrayList<>(texts.size());
        for (String text : texts) {
            parsed.add(Label.parse(text, field));
        }
        try {
            return new Labels(parsed);
        } catch (CommandRejectedException duplicate) {
            throw CommandRejectedException.invalid(field, duplicate.reason());
        }
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

    /** Cilium's identity key: labels sorted by key, each written {@code source:key=value;}. */
    public String identityKey() {
        StringBuilder key = new StringBuilder();
        for (Label label : labels) {
            key.append(label.source()).append(':').append(label.key()).append('=').append(label.value()).append(';');
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
