package dev.tendril.flows.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A Kubernetes label selector as Hubble's label filters take it: requirements joined by {@code ,}, each
 * {@code key}, {@code !key}, {@code key=v}, {@code key==v}, {@code key!=v}, {@code key in (a,b)} or
 * {@code key notin (a,b)}. A key may carry a label source ({@code k8s:app}); without one it matches a
 * label of any source, as Cilium's {@code any:} does.
 */
public final class LabelSelector {

    private enum Op { EXISTS, NOT_EXISTS, IN, NOT_IN }

    private record Requirement(String source, String key, Op op, Set<String> values) {

        boolean matches(List<Label> labels) {
            Label found = null;
            for (Label label : labels) {
                if (label.key().equals(key) && (source.isEmpty() || source.equals(label.source()))) {
                    found = label;
                    break;
                }
            }
            return switch (op) {
                case EXISTS -> found != null;
                case NOT_EXISTS -> found == null;
                case IN -> found != null && values.contains(found.value());
                case NOT_IN -> found == null || !values.contains(found.value());
            };
        }
    }

    private final List<Requirement> requirements;

    private LabelSelector(List<Requirement> requirements) {
        this.requirements = requirements;
    }

    public static LabelSelector parse(String text, String field) {
        List<Requirement> requirements = new ArrayList<>();
        for (String term : splitTerms(text, field)) {
            requirements.add(requirement(term.trim(), field));
        }
        if (requirements.isEmpty()) {
            throw new InvalidFilterException(field, "empty label selector");
        }
        return new LabelSelector(List.copyOf(requirements));
    }

    public boolean matches(Peer peer) {
        for (Requirement requirement : requirements) {
            if (!requirement.matches(peer.labels())) {
                return false;
            }
        }
        return true;
    }

    private static List<String> splitTerms(String text, String field) {
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
                    throw new InvalidFilterException(field, "unbalanced ')' in '" + text + "'");
                }
            } else if (c == ',' && depth == 0) {
                terms.add(text.substring(start, i));
                start = i + 1;
            }
        }
        if (depth != 0) {
            throw new InvalidFilterException(field, "unbalanced '(' in '" + text + "'");
        }
        terms.add(text.substring(start));
        return terms.stream().filter(t -> !t.isBlank()).toList();
    }

    private static Requirement requirement(String term, String field) {
        String lower = term.toLowerCase(java.util.Locale.ROOT);
        int notIn = lower.indexOf(" notin ");
        int in = lower.indexOf(" in ");
        if (notIn > 0 || in > 0) {
            boolean negated = notIn > 0;
            int at = negated ? notIn : in;
            String rest = term.substring(at + (negated ? 7 : 4)).trim();
            if (!rest.startsWith("(") || !rest.endsWith(")")) {
                throw new InvalidFilterException(field, "expected '(values)' after in/notin in '" + term + "'");
            }
            Set<String> values = Set.copyOf(List.of(rest.substring(1, rest.length() - 1).split("\\s*,\\s*"))
                    .stream().map(String::trim).filter(v -> !v.isEmpty()).toList());
            return withKey(term.substring(0, at).trim(), negated ? Op.NOT_IN : Op.IN, values, field, term);
        }
        int ne = term.indexOf("!=");
        if (ne > 0) {
            return withKey(term.substring(0, ne), Op.NOT_IN, Set.of(term.substring(ne + 2).trim()), field, term);
        }
        int eq = term.indexOf('=');
        if (eq > 0) {
            int valueStart = term.startsWith("==", eq) ? eq + 2 : eq + 1;
            return withKey(term.substring(0, eq), Op.IN, Set.of(term.substring(valueStart).trim()), field, term);
        }
        if (term.startsWith("!")) {
            return withKey(term.substring(1), Op.NOT_EXISTS, Set.of(), field, term);
        }
        return withKey(term, Op.EXISTS, Set.of(), field, term);
    }

    private static Requirement withKey(String key, Op op, Set<String> values, String field, String term) {
        String trimmed = key.trim();
        if (trimmed.isEmpty() || trimmed.contains(" ") || trimmed.contains("=") || trimmed.contains("!")) {
            throw new InvalidFilterException(field, "invalid label selector '" + term + "'");
        }
        int colon = trimmed.indexOf(':');
        String source = colon < 0 ? "" : trimmed.substring(0, colon);
        String name = colon < 0 ? trimmed : trimmed.substring(colon + 1);
        if (source.equals("any")) {
            source = "";
        }
        if (name.isEmpty()) {
            throw new InvalidFilterException(field, "invalid label selector '" + term + "'");
        }
        return new Requirement(source, name, op, values);
    }
}
