package dev.tendril.identity.domain;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.k8s.labels.Label;
import dev.tendril.k8s.labels.LabelSource;
import dev.tendril.k8s.labels.Labels;
import java.util.ArrayList;
import java.util.List;

/**
 * Which label sets a caller of allocate-or-reuse may ask an identity for. Pod and other labels of the
 * k8s, container and unspec sources, in Kubernetes syntax; or a CIDR identity, exactly as the policy
 * service asks for one: a single {@code cidr:<prefix>} label (a valid prefix, see
 * {@link LabelSyntax#canonicalCidrKey}) and {@code reserved:world}. Other {@code reserved:} labels name
 * the fixed identities 1..10, which are never allocated, so they are refused.
 */
public final class IdentityLabels {

    private static final Label WORLD = new Label(LabelSource.RESERVED, ReservedIdentity.WORLD.label(), "");

    private IdentityLabels() {}

    /**
     * Parses and checks a request's labels; a refusal names the element at fault, e.g. {@code labels[1]}.
     *
     * @param field the JSON name of the list, e.g. {@code labels}
     */
    public static Labels requested(List<String> texts, String field) {
        if (texts == null) {
            throw CommandRejectedException.invalid(field, "labels are required");
        }
        if (texts.size() > LabelSyntax.MAX_LABELS) {
            throw CommandRejectedException.invalid(
                    field, texts.size() + " labels, at most " + LabelSyntax.MAX_LABELS + " allowed");
        }
        List<Label> parsed = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            parsed.add(LabelSyntax.parseLabel(texts.get(i), field + "[" + i + "]"));
        }
        Problem problem = problem(parsed, field);
        if (problem != null) {
            throw CommandRejectedException.invalid(problem.field(), problem.reason());
        }
        try {
            return Labels.of(parsed);
        } catch (IllegalArgumentException duplicate) {
            throw CommandRejectedException.invalid(field, duplicate.getMessage());
        }
    }

    /**
     * Why a stored label set with {@code cidr:} or {@code reserved:} labels could not have been asked for
     * today (garbage from before these rules), or null when it could; sets without such labels are not
     * this rule's concern (null).
     */
    public static String storedProblem(Labels stored) {
        List<Label> labels = stored.labels();
        if (labels.stream().noneMatch(IdentityLabels::special)) {
            return null;
        }
        for (Label label : labels) {
            if (label.source().equals(LabelSource.CIDR)) {
                String problem =
                        label.value().isEmpty() ? LabelSyntax.cidrKeyProblem(label.key()) : "a cidr label has no value";
                if (problem != null) {
                    return "invalid cidr label " + LabelSyntax.quote(label.toString()) + ": " + problem;
                }
            }
        }
        Problem problem = problem(labels, "labels");
        return problem == null ? null : problem.reason();
    }

    private record Problem(String field, String reason) {}

    /** The first label that breaks the cidr/reserved rule, or null. */
    private static Problem problem(List<Label> labels, String field) {
        int cidr = -1;
        for (int i = 0; i < labels.size(); i++) {
            Label label = labels.get(i);
            if (label.source().equals(LabelSource.CIDR)) {
                if (cidr >= 0) {
                    return new Problem(
                            field + "[" + i + "]", "a CIDR identity has exactly one cidr: label (and reserved:world)");
                }
                cidr = i;
            }
        }
        if (cidr >= 0) {
            for (int i = 0; i < labels.size(); i++) {
                Label label = labels.get(i);
                if (i != cidr && !label.equals(WORLD)) {
                    return new Problem(
                            field + "[" + i + "]",
                            "a CIDR identity has exactly the labels cidr:<prefix>" + " and reserved:world, not "
                                    + LabelSyntax.quote(label.toString()));
                }
            }
            if (labels.size() != 2) {
                return new Problem(field, "a CIDR identity has exactly the labels cidr:<prefix> and reserved:world");
            }
            return null;
        }
        for (int i = 0; i < labels.size(); i++) {
            Label label = labels.get(i);
            if (label.source().equals(LabelSource.RESERVED)) {
                return new Problem(
                        field + "[" + i + "]",
                        LabelSyntax.quote(label.toString()) + " belongs to a reserved"
                                + " identity (fixed ids 1..10, never allocated); only a CIDR identity carries reserved:world");
            }
        }
        return null;
    }

    private static boolean special(Label label) {
        return label.source().equals(LabelSource.CIDR) || label.source().equals(LabelSource.RESERVED);
    }
}
