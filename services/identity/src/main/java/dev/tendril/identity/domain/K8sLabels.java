package dev.tendril.identity.domain;

import dev.tendril.eventstore.CommandRejectedException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Validation of Kubernetes {@code metadata.labels} maps. */
public final class K8sLabels {

    private K8sLabels() {}

    /**
     * Checks every key and value (in key order, so the first problem is always the same one) and returns
     * a sorted copy; a bad key is named {@code field}, a bad value {@code field.key} (e.g. {@code labels.app}).
     * A missing map is empty.
     */
    public static Map<String, String> validate(Map<String, String> labels, String field) {
        if (labels == null) {
            return Map.of();
        }
        if (labels.size() > LabelSyntax.MAX_LABELS) {
            throw CommandRejectedException.invalid(
                    field, labels.size() + " labels, at most " + LabelSyntax.MAX_LABELS + " allowed");
        }
        List<Map.Entry<String, String>> entries = new ArrayList<>(labels.entrySet());
        entries.sort(Map.Entry.comparingByKey(Comparator.nullsFirst(Comparator.naturalOrder())));
        Map<String, String> valid = new TreeMap<>();
        for (Map.Entry<String, String> entry : entries) {
            String key = entry.getKey();
            String keyProblem = LabelSyntax.keyProblem(key);
            if (keyProblem != null) {
                throw CommandRejectedException.invalid(
                        field, "invalid label key " + LabelSyntax.quote(key) + ": " + keyProblem);
            }
            String valueProblem = LabelSyntax.valueProblem(entry.getValue());
            if (valueProblem != null) {
                throw CommandRejectedException.invalid(
                        field + "." + key,
                        "invalid value " + LabelSyntax.quote(entry.getValue()) + " of label '" + key + "': "
                                + valueProblem);
            }
            valid.put(key, entry.getValue());
        }
        return valid;
    }
}
