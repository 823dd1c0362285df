package dev.tendril.k8s;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The names Kubernetes' API server accepts (apimachinery's validation: qualified names, DNS-1123
 * labels and subdomains, label values). Every module that takes a name or a label from a client
 * checks it here, so the agent, the identity service and the policy service refuse the same inputs.
 */
public final class KubernetesNames {

    /** Longest client text an error message quotes. */
    public static final int QUOTED = 64;

    private static final Pattern QUALIFIED_NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private KubernetesNames() {}

    /**
     * Why {@code key} is not a label key, a qualified name {@code [prefix/]name} (the prefix a DNS
     * subdomain of at most 253 characters with at most 63 between dots, the name 1-63 characters of
     * alphanumerics, '-', '_' and '.', alphanumeric at both ends), if it is not.
     */
    public static Optional<String> labelKeyProblem(String key) {
        if (key == null) {
            return Optional.of("must not be null");
        }
        if (key.isEmpty()) {
            return Optional.of("must not be empty");
        }
        String name = key;
        int slash = key.lastIndexOf('/');
        if (slash >= 0) {
            String prefix = key.substring(0, slash);
            name = key.substring(slash + 1);
            if (!isDnsSubdomain(prefix)) {
                return Optional.of("prefix must be a DNS subdomain (lower-case alphanumerics, '-' and '.', at most 253"
                        + " characters, at most 63 between dots)");
            }
        }
        if (name.isEmpty()
                || name.length() > 63
                || !QUALIFIED_NAME.matcher(name).matches()) {
            return Optional.of("name part must be 1-63 characters, alphanumerics, '-', '_' or '.', starting and ending"
                    + " alphanumeric");
        }
        return Optional.empty();
    }

    /** Why {@code value} is not a label value (empty, or at most 63 characters like a name part), if it is not. */
    public static Optional<String> labelValueProblem(String value) {
        if (value == null) {
            return Optional.of("must not be null (use \"\" for an empty value)");
        }
        if (value.isEmpty()
                || (value.length() <= 63 && QUALIFIED_NAME.matcher(value).matches())) {
            return Optional.empty();
        }
        return Optional.of(
                "must be at most 63 characters, alphanumerics, '-', '_' or '.', starting and ending" + " alphanumeric");
    }

    /** A DNS-1123 label (namespace names): 1-63 lower-case alphanumerics and '-', alphanumeric at both ends. */
    public static boolean isDnsLabel(String name) {
        return name != null && name.length() <= 63 && DNS_LABEL.matcher(name).matches();
    }

    /** A DNS-1123 subdomain (pod, node and object names): at most 253 characters, at most 63 between dots. */
    public static boolean isDnsSubdomain(String name) {
        return name != null
                && !name.isEmpty()
                && name.length() <= 253
                && DNS_SUBDOMAIN.matcher(name).matches()
                && longestPart(name) <= 63;
    }

    /**
     * Client text as an error message shows it: quoted, at most {@value #QUOTED} characters, control
     * characters escaped (a refusal must not carry a NUL or a line break back into logs).
     */
    public static String quote(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder shown = new StringBuilder("'");
        int end = Math.min(text.length(), QUOTED);
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                shown.append(String.format("\\u%04x", (int) c));
            } else {
                shown.append(c);
            }
        }
        shown.append('\'');
        if (text.length() > QUOTED) {
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
