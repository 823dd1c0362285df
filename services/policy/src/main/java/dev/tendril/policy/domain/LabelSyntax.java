package dev.tendril.policy.domain;

import java.util.Optional;
import java.util.regex.Pattern;

/** Kubernetes' syntax of label keys, label values and namespace names, as its API server validates them. */
public final class LabelSyntax {

    private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS1123_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern QUALIFIED_NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");

    private LabelSyntax() {
    }

    /** Why {@code key} is not a label key ({@code [prefix/]name}), if it is not. */
    public static Optional<String> keyProblem(String key) {
        if (key == null || key.isEmpty()) {
            return Optional.of("a label key must not be empty");
        }
        String name = key;
        int slash = key.indexOf('/');
        if (slash >= 0) {
            String prefix = key.substring(0, slash);
            name = key.substring(slash + 1);
            if (prefix.isEmpty() || prefix.length() > 253 || !DNS1123_SUBDOMAIN.matcher(prefix).matches()) {
                return Optional.of("prefix must be a DNS-1123 subdomain");
            }
        }
        if (name.isEmpty() || name.length() > 63 || !QUALIFIED_NAME.matcher(name).matches()) {
            return Optional.of("name part must be 1-63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric");
        }
        return Optional.empty();
    }

    /** Why {@code value} is not a label value (empty, or at most 63 characters of a qualified name), if it is not. */
    public static Optional<String> valueProblem(String value) {
        if (value == null) {
            return Optional.of("a label value must be a string");
        }
        if (value.isEmpty() || (value.length() <= 63 && QUALIFIED_NAME.matcher(value).matches())) {
            return Optional.empty();
        }
        return Optional.of("at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric");
    }

    /** Whether {@code name} is a DNS-1123 label, as namespace names are. */
    public static boolean isDns1123Label(String name) {
        return name != null && name.length() <= 63 && DNS1123_LABEL.matcher(name).matches();
    }

    /** Whether {@code name} is a DNS-1123 subdomain, as object names are. */
    public static boolean isDns1123Subdomain(String name) {
        return name != null && name.length() <= 253 && DNS1123_SUBDOMAIN.matcher(name).matches();
    }
}
