package dev.tendril.k8s.labels;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A Kubernetes label selector over source-qualified labels: every requirement must hold (matchLabels are
 * In requirements with one value). The empty selector matches everything.
 *
 * @param requirements ANDed; keys are source-qualified
 */
public record LabelSelector(List<Requirement> requirements) {

    public static final LabelSelector ALL = new LabelSelector(List.of());

    /** The Kubernetes selector operators. */
    public enum Operator {
        IN,
        NOT_IN,
        EXISTS,
        DOES_NOT_EXIST
    }

    /**
     * One requirement on the label {@code source:key}.
     *
     * @param source a label source, or {@link LabelSource#ANY}
     * @param values non-empty for In/NotIn, empty for Exists/DoesNotExist
     */
    public record Requirement(String source, String key, Operator operator, SortedSet<String> values) {
        public Requirement {
            values = Collections.unmodifiableSortedSet(new TreeSet<>(values));
            boolean needsValues = operator == Operator.IN || operator == Operator.NOT_IN;
            if (needsValues == values.isEmpty()) {
                throw new IllegalArgumentException(
                        operator + " on " + key + (needsValues ? " needs values" : " must have no values"));
            }
        }

        public static Requirement equal(String source, String key, String value) {
            return new Requirement(source, key, Operator.IN, new TreeSet<>(Set.of(value)));
        }

        public static Requirement exists(String source, String key) {
            return new Requirement(source, key, Operator.EXISTS, new TreeSet<>());
        }

        /** Kubernetes semantics: NotIn and DoesNotExist hold when the label is absent. */
        public boolean matches(LabelLookup labels) {
            var label = labels.label(source, key);
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

    /**
     * Parses the string form {@code kubectl -l} and Hubble's label filters take: requirements joined by
     * {@code ,}, each {@code key}, {@code !key}, {@code key=v}, {@code key==v}, {@code key!=v},
     * {@code key in (a,b)} or {@code key notin (a,b)}. A key may carry a label source ({@code k8s:app});
     * without one (or with {@code any:}) it matches a label of any source.
     *
     * @throws IllegalArgumentException naming what is wrong, for an empty or malformed selector
     */
    public static LabelSelector parse(String text) {
        List<Requirement> requirements = new ArrayList<>();
        for (String term : splitTerms(text)) {
            requirements.add(requirement(term.trim()));
        }
        if (requirements.isEmpty()) {
            throw new IllegalArgumentException("empty label selector");
        }
        return new LabelSelector(requirements);
    }

    public boolean matches(LabelLookup labels) {
        for (Requirement r : requirements) {
            if (!r.matches(labels)) {
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
        return requirements.stream()
                .anyMatch(r -> r.key().equals(key)
                        && (r.source().equals(source) || r.source().equals(LabelSource.ANY)));
    }

    /** True if some requirement's key (of source k8s or any) starts with {@code prefix}. */
    public boolean hasKeyPrefix(String prefix) {
        return requirements.stream()
                .anyMatch(r -> r.key().startsWith(prefix)
                        && (r.source().equals(LabelSource.K8S) || r.source().equals(LabelSource.ANY)));
    }

    /** True if some requirement is on a {@code reserved:} label. */
    public boolean selectsReserved() {
        return requirements.stream().anyMatch(r -> r.source().equals(LabelSource.RESERVED));
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
                .map(r ->
                        new Requirement(r.source(), Label.NAMESPACE_LABELS_PREFIX + r.key(), r.operator(), r.values()))
                .toList());
    }

    @Override
    public String toString() {
        return requirements.isEmpty() ? "{}" : requirements.toString();
    }

    private static List<String> splitTerms(String text) {
        List<String> terms = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
                if (depth < 0) {
                    throw new IllegalArgumentException("unbalanced ')' in '" + text + "'");
                }
            } else if (c == ',' && depth == 0) {
                terms.add(text.substring(start, i));
                start = i + 1;
            }
        }
        if (depth != 0) {
            throw new IllegalArgumentException("unbalanced '(' in '" + text + "'");
        }
        terms.add(text.substring(start));
        return terms.stream().filter(t -> !t.isBlank()).toList();
    }

    private static Requirement requirement(String term) {
        String lower = term.toLowerCase(Locale.ROOT);
        int notIn = lower.indexOf(" notin ");
        int in = lower.indexOf(" in ");
        if (notIn > 0 || in > 0) {
            boolean negated = notIn > 0;
            int at = negated ? notIn : in;
            String rest = term.substring(at + (negated ? 7 : 4)).trim();
            if (!rest.startsWith("(") || !rest.endsWith(")")) {
                throw new IllegalArgumentException("expected '(values)' after in/notin in '" + term + "'");
            }
            SortedSet<String> values = new TreeSet<>();
            for (String value : rest.substring(1, rest.length() - 1).split(",")) {
                if (!value.isBlank()) {
                    values.add(value.trim());
                }
            }
            return withKey(term.substring(0, at), negated ? Operator.NOT_IN : Operator.IN, values, term);
        }
        int ne = term.indexOf("!=");
        if (ne > 0) {
            return withKey(term.substring(0, ne), Operator.NOT_IN, single(term.substring(ne + 2)), term);
        }
        int eq = term.indexOf('=');
        if (eq > 0) {
            int valueStart = term.startsWith("==", eq) ? eq + 2 : eq + 1;
            return withKey(term.substring(0, eq), Operator.IN, single(term.substring(valueStart)), term);
        }
        if (term.startsWith("!")) {
            return withKey(term.substring(1), Operator.DOES_NOT_EXIST, new TreeSet<>(), term);
        }
        return withKey(term, Operator.EXISTS, new TreeSet<>(), term);
    }

    private static SortedSet<String> single(String value) {
        return new TreeSet<>(Set.of(value.trim()));
    }

    private static Requirement withKey(String key, Operator operator, SortedSet<String> values, String term) {
        String trimmed = key.trim();
        if (trimmed.isEmpty() || trimmed.contains(" ") || trimmed.contains("=") || trimmed.contains("!")) {
            throw new IllegalArgumentException("invalid label selector '" + term + "'");
        }
        int colon = trimmed.indexOf(':');
        String source = colon < 0 ? "" : trimmed.substring(0, colon);
        String name = colon < 0 ? trimmed : trimmed.substring(colon + 1);
        if (name.isEmpty()) {
            throw new IllegalArgumentException("invalid label selector '" + term + "'");
        }
        return new Requirement(source.isEmpty() ? LabelSource.ANY : source, name, operator, values);
    }
}
