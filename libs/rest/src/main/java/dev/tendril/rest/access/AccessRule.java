package dev.tendril.rest.access;

import java.util.Locale;
import java.util.Set;

/**
 * One row of an access table: HTTP methods (empty for all; a gRPC call is a POST) and a path pattern, where
 * {@code *} stands for one path segment and a trailing {@code /**} for any rest, including none.
 */
public record AccessRule(Set<String> methods, String pathPattern, Requirement requirement) {

    public AccessRule {
        methods = methods.stream()
                .map(m -> m.toUpperCase(Locale.ROOT))
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    public boolean matches(String method, String path) {
        if (!methods.isEmpty() && !methods.contains(method.toUpperCase(Locale.ROOT))) {
            return false;
        }
        return pathMatches(pathPattern, path);
    }

    static boolean pathMatches(String pattern, String path) {
        String[] want = segments(pattern);
        String[] have = segments(path);
        for (int i = 0; i < want.length; i++) {
            if (want[i].equals("**") && i == want.length - 1) {
                return true;
            }
            if (i >= have.length || !(want[i].equals("*") || want[i].equals(have[i]))) {
                return false;
            }
        }
        return want.length == have.length;
    }

    private static String[] segments(String path) {
        String trimmed = path.replaceAll("^/+|/+$", "");
        return trimmed.isEmpty() ? new String[0] : trimmed.split("/+");
    }
}
