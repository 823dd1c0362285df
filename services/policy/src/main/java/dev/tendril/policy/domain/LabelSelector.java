package dev.tendril.policy.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A label selector over identity labels: every requirement must hold (matchLabels are In requirements
 * with one value). The empty selector matches every identity.
 *
 * @param requirements ANDed; keys are source-qualified
 */
public record LabelSelector(List<Requirement> requirements) {

    public static final LabelSelector ALL = new LabelSelector(List.of());

    /** The Kubernetes selector operators. */
    public enum Operator { IN, NOT_IN, EXISTS, DOES_NOT_EXIST }

    /**
     * One requirement on the label {@code source:key}.
     *
     * @param source a label source, or {@link Label#SOURCE_ANY}
     * @param values non-empty for In/NotIn, empty for Exists/DoesNotExist
     */
    public record Requirement(String source, String key, Operator operator, SortedSet<String> values) {
        public Requirement {
            values = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(values));
            boolean needsValues = operator == Operator.IN || operator == Operator.NOT_IN;
            if (needsValues == values.isEmpty()) {
                throw new IllegalArgumentException(operator + " on " + key + (needsValues
                        ? " needs values" : " must have no values"));
            }
        }

        public static Requirement equal(String source, String key, String value) {
            return new Requirement(source, key, Operator.IN, new TreeSet<>(Set.of(value)));
        }

        public static Requirement exists(String source, String key) {
            return new Requirement(source, key, Operator.EXISTS, new TreeSet<>());
        }

        /** Kubernetes semantics: NotIn and DoesNotExist hold when the label is absent. */
        public boolean matches(Identity identity) {
            var label = identity.label(source, key);
            return switch (operator) {
                case IN -> label.isPresent() && values.contains(label.get().value());
                case NOT_IN -> label.isEmpty() || !values.contains(label.get().value());
                case EXISTS -> label.isPresent();
                case DOES_NOT_EXIST -> label.isEmpty();
            };
        }

        @Override
        public String toString() {
            String k = source + ":" + key;
            return switch (operator) {
                case IN -> values.size() == 1 ? k + "=" + values.first() : k + " in " + values;
                case NOT_IN -> k + " notin " + values;
                case EXISTS -> k;
                case DOES_NOT_EXIST -> "!" + k;
            };
        }
    }

    public LabelSelector {
        requirements = List.copyOf(requirements);
    }

    public boolean matches(Identity identity) {
        for (Requirement r : requirements) {
            if (!r.matches(identity)) {
                return false;
            }
        }
        return true;
    }

    public boolean isEmpty() {
        return requirements.isEmpty();
    }

    /** True if some requirement names {@code source:key} (with {@code any} counting for every source). */
    public boolean hasKey(String source, String key) {
        return requirements.stream().anyMatch(r -> r.key().equals(key)
                && (r.source().equals(source) || r.source().equals(Label.SOURCE_ANY)));
    }

    /** True if some requirement's key (of source k8s or any) starts with {@code prefix}. */
    public boolean hasKeyPrefix(String prefix) {
        return requirements.stream().anyMatch(r -> r.key().startsWith(prefix)
                && (r.source().equals(Label.SOURCE_K8S) || r.source().equals(Label.SOURCE_ANY)));
    }

    /** True if some requirement is on a {@code reserved:} label. */
    public boolean selectsReserved() {
        return requirements.stream().anyMatch(r -> r.source().equals(Label.SOURCE_RESERVED));
    }

    /** This selector with {@code more} requirements ANDed. */
    public LabelSelector and(List<Requirement> more) {
        List<Requirement> all = new ArrayList<>(requirements);
        all.addAll(more);
        return new LabelSelector(all);
    }

    /** The same requirements on {@code k8s:io.cilium.k8s.namespace.labels.<key>}, as Cilium rewrites a namespaceSelector. */
    public LabelSelector asNamespaceSelector() {
        return new LabelSelector(requirements.stream()
                .map(r -> new Requirement(r.source(), Label.NAMESPACE_LABELS_PREFIX + r.key(), r.operator(), r.values()))
                .toList());
    }

    @Override
    public String toString() {
        return requirements.isEmpty() ? "{}" : requirements.toString();
    }
}
