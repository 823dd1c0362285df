package dev.tendril.identity.domain;

import dev.tendril.eventstore.CommandRejectedException;
import java.util.regex.Pattern;

/** Kubernetes label syntax (qualified-name keys, 63-character values) and the rules of the other sources. */
public final class LabelSyntax {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern CIDR_V4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/(\\d{1,2})");
    private static final Pattern CIDR_V6 = Pattern.compile("[0-9a-fA-F-]+/(\\d{1,3})");
    private static final int SHOWN = 64;

    private LabelSyntax() {
    }

    /** Validates a label of any source; {@code field} names the input at fault in the rejection. */
    public static void validate(Label label, String field) {
        if (!LabelSource.ALL.contains(label.source())) {
            throw CommandRejectedException.invalid(field, "unknown label source " + quote(label.source()) + " in "
                    + quote(label.toString()) + " (expected one of k8s, reserved, cidr, container, unspec)");
        }
        switch (label.source()) {
            case LabelSource.RESERVED -> {
                if (ReservedIdentity.byLabelKey(label.key()).isEmpty()) {
                    throw CommandRejectedException.invalid(field, "unknown reserved label " + quote(label.toString()));
                }
            }
            case LabelSource.CIDR -> {
                if (!CIDR_V4.matcher(label.key()).matches() && !CIDR_V6.matcher(label.key()).matches()) {
                    throw CommandRejectedException.invalid(field, "cidr label key " + quote(label.key())
                            + " is not a prefix (a.b.c.d/n, or IPv6 with '-' for ':')");
                }
            }
            default -> {
                String keyProblem = keyProblem(label.key());
                if (keyProblem != null) {
                    throw CommandRejectedException.invalid(field, "invalid label key " + quote(label.key()) + ": " + keyProblem);
                }
                String valueProblem = valueProblem(label.value());
                if (valueProblem != null) {
                    throw CommandRejectedException.invalid(field, "invalid label value " + quote(label.value())
                            + " of key '" + label.key() + "': " + valueProblem);
                }
            }
        }
    }

    /**
     * Why {@code key} is not a Kubernetes qualified name ({@code [prefix/]name}: the prefix a DNS subdomain
     * of at most 253 characters whose parts have at most 63, the name 1-63 characters), or null when it is.
     */
    public static String keyProblem(String key) {
        if (key == null) {
            return "must not be null";
        }
        if (key.isEmpty()) {
            return "must not be empty";
        }
        String name = key;
        int slash = key.lastIndexOf('/');
        if (slash >= 0) {
            String prefix = key.substring(0, slash);
            name = key.substring(slash + 1);
            if (prefix.isEmpty() || prefix.length() > 253 || !DNS_SUBDOMAIN.matcher(prefix).matches()
                    || longestPart(prefix) > 63) {
                return "prefix must be a DNS subdomain (lower-case alphanumerics, '-' and '.', at most 253 characters,"
                        + " at most 63 between dots)";
            }
        }
        if (name.isEmpty() || name.length() > 63 || !NAME.matcher(name).matches()) {
            return "name part must be 1-63 characters, alphanumerics, '-', '_' or '.', starting and ending alphanumeric";
        }
        return null;
    }

    /** Why {@code value} is not a Kubernetes label value, or null when it is (empty is allowed, null is not). */
    public static String valueProblem(String value) {
        if (value == null) {
            return "must not be null (use \"\" for an empty value)";
        }
        if (value.isEmpty()) {
            return null;
        }
        if (value.length() > 63 || !NAME.matcher(value).matches()) {
            return "must be at most 63 characters, alphanumerics, '-', '_' or '.', starting and ending alphanumeric";
        }
        return null;
    }

    /** True for a DNS-1123 label (namespace names): lower-case alphanumerics and '-', at most 63. */
    public static boolean isDnsLabel(String name) {
        return name != null && name.length() <= 63 && DNS_LABEL.matcher(name).matches();
    }

    /** True for a DNS-1123 subdomain (pod names, node names): at most 253 characters. */
    public static boolean isDnsSubdomain(String name) {
        return name != null && !name.isEmpty() && name.length() <= 253 && DNS_SUBDOMAIN.matcher(name).matches();
    }

    /**
     * Client text as an error message shows it: quoted, at most 64 characters, control characters
     * escaped (a refusal must not carry a NUL or a line break back into logs).
     */
    public static String quote(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder shown = new StringBuilder("'");
        int end = Math.min(text.length(), SHOWN);
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                shown.append(String.format("\\u%04x", (int) c));
            } else {
                shown.append(c);
            }
        }
        shown.append('\'');
        if (text.length() > SHOWN) {
            shown.append(" (").append(text.length()).append(" characters)");
        }
        return shown.toString();
    }

    private static int longestPart(String subdomain) {
        int longest = 0;
        for (String part : subdomain.split("\\.", -1)) {
            longest = Math.max(longest, part.length());
        }
        return longest;
    }
}
