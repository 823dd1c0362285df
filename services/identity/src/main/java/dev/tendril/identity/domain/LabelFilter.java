package dev.tendril.identity.domain;

import dev.tendril.k8s.labels.Label;
import dev.tendril.k8s.labels.LabelSource;
import dev.tendril.k8s.labels.Labels;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Decides which labels are identity-relevant, with Cilium's semantics (pkg/labelsfilter): each pattern
 * is a regular expression matched at the start of the key, optionally limited to one source and
 * optionally an exclusion ({@code !}). A label is kept when the longest matching include covers more
 * of the key than the shortest matching exclude; with no include pattern configured beyond the
 * defaults, a label that no exclusion matches is kept too. Operator patterns ({@code extra}) are added
 * to the defaults; any extra include turns the filter into an allow-list.
 */
public final class LabelFilter {

    /** Cilium's defaults plus the exclusions its documentation recommends for per-pod labels. */
    public static final List<String> DEFAULT_PATTERNS = List.of(
            "reserved:.*",
            Pattern.quote("io.kubernetes.pod.namespace"),
            Pattern.quote("io.cilium.k8s.namespace.labels"),
            Pattern.quote("app.kubernetes.io"),
            Pattern.quote("io.cilium.k8s.policy.cluster"),
            "!io\\.kubernetes",
            "!kubernetes\\.io",
            "!" + Pattern.quote("statefulset.kubernetes.io/pod-name"),
            "!" + Pattern.quote("apps.kubernetes.io/pod-index"),
            "!" + Pattern.quote("batch.kubernetes.io/job-completion-index"),
            "!" + Pattern.quote("batch.kubernetes.io/controller-uid"),
            "!.*beta\\.kubernetes\\.io",
            "!k8s\\.io",
            "!pod-template-generation",
            "!pod-template-hash",
            "!controller-revision-hash",
            "!controller-uid",
            "!annotation.*",
            "!etcd_node");

    private final List<Prefix> prefixes;
    private final boolean allowList;

    private LabelFilter(List<Prefix> prefixes, boolean allowList) {
        this.prefixes = List.copyOf(prefixes);
        this.allowList = allowList;
    }

    public static LabelFilter defaults() {
        return withExtras(List.of());
    }

    /**
     * The defaults plus operator patterns such as {@code k8s:team}, {@code !k8s:uid} or {@code k8s:!uid};
     * a malformed pattern throws {@link IllegalArgumentException} (configuration is validated at start).
     */
    public static LabelFilter withExtras(List<String> extra) {
        List<Prefix> prefixes = new ArrayList<>();
        DEFAULT_PATTERNS.forEach(p -> prefixes.add(Prefix.parse(p)));
        boolean allowList = false;
        for (String pattern : extra) {
            if (pattern == null || pattern.isBlank()) {
                continue;
            }
            Prefix prefix = Prefix.parse(pattern.strip());
            allowList |= !prefix.ignore();
            prefixes.add(prefix);
        }
        return new LabelFilter(prefixes, allowList);
    }

    public Labels filter(Labels labels) {
        return Labels.of(labels.labels().stream().filter(this::isRelevant).toList());
    }

    public boolean isRelevant(Label label) {
        int included = 0;
        int ignored = 0;
        for (Prefix prefix : prefixes) {
            int length = prefix.matchLength(label);
            if (length < 0) {
                continue;
            }
            if (prefix.ignore()) {
                if (ignored == 0 || length < ignored) {
                    ignored = length;
                }
            } else if (length > included) {
                included = length;
            }
        }
        return (!allowList && ignored == 0) || included > ignored;
    }

    /** One pattern: an optional source, a key regex anchored at the key start, include or exclude. */
    record Prefix(String source, Pattern regex, boolean ignore) {

        static Prefix parse(String text) {
            boolean ignore = false;
            String body = text;
            if (body.startsWith("!")) {
                ignore = true;
                body = body.substring(1);
            }
            String source = null;
            int colon = body.indexOf(':');
            if (colon >= 0 && isSourceName(body.substring(0, colon))) {
                source = body.substring(0, colon);
                body = body.substring(colon + 1);
            }
            if (body.startsWith("!")) {
                ignore = true;
                body = body.substring(1);
            }
            if (body.isEmpty()) {
                throw new IllegalArgumentException("label filter pattern '" + text + "' has no key pattern");
            }
            try {
                return new Prefix(LabelSource.ANY.equals(source) ? null : source, Pattern.compile(body), ignore);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(
                        "label filter pattern '" + text + "' is not a regex: " + e.getDescription(), e);
            }
        }

        private static boolean isSourceName(String candidate) {
            return LabelSource.ALL.contains(candidate) || LabelSource.ANY.equals(candidate);
        }

        /** How much of the key a match at its start covers; -1 when it does not match there. */
        int matchLength(Label label) {
            if (source != null && !source.equals(label.source())) {
                return -1;
            }
            Matcher matcher = regex.matcher(label.key());
            return matcher.lookingAt() ? matcher.end() : -1;
        }
    }
}
