package dev.tendril.identity.domain;

import dev.tendril.eventstore.CommandRejectedException;
import java.util.Map;

/** Validation of Kubernetes {@code metadata.labels} maps. */
public final class K8sLabels {

    private K8sLabels() {
    }

    public static void validate(Map<String, String> labels, String field) {
        if (labels.size() > Labels.MAX_LABELS) {
            throw CommandRejectedException.invalid(field, labels.size() + " labels, at most " + Labels.MAX_LABELS
                    + " allowed");
        }
        labels.forEach((key, value) -> {
            String keyProblem = LabelSyntax.keyProblem(key);
            if (keyProblem != null) {
                throw CommandRejectedException.invalid(field, "invalid label key '" + key + "': " + keyProblem);
            }
            String valueProblem = LabelSyntax.valueProblem(value == null ? "" : value);
            if (valueProblem != null) {
                throw CommandRejectedException.invalid(field, "invalid label value '" + value + "' of key '" + key
                        + "': " + valueProblem);
            }
        });
    }
}
