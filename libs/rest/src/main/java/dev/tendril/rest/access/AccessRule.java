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

    /**
     * Walks both paths segment by segment in place: no split, no regular expression, nothing allocated (this runs
     * for every rule tried on every request). Leading, trailing and repeated slashes separate nothing.
     */
    static boolean pathMatches(String pattern, String path) {
        int p = skipSlashes(pattern, 0);
        int h = skipSlashes(path, 0);
        while (p < pattern.length()) {
            int patternEnd = segmentEnd(pattern, p);
            int nextPattern = skipSlashes(pattern, patternEnd);
            int length = patternEnd - p;
            if (nextPattern == pattern.length() && length == 2 && pattern.startsWith("**", p)) {
                return true;
            }
            if (h == path.length()) {
                return false;
            }
            int pathEnd = segmentEnd(path, h);
            boolean anySegment = length == 1 && pattern.charAt(p) == '*';
            if (!anySegment && !(length == pathEnd - h && pattern.regionMatches(p, path, h, length))) {
                return false;
            }
            p = nextPattern;
            h = skipSlashes(path, pathEnd);
        }
        return h == path.length();
    }

    private static int skipSlashes(String s, int from) {
        int i = from;
        while (i < s.length() && s.charAt(i) == '/') {
            i++;
        }
        return i;
    }

    private static int segmentEnd(String s, int from) {
        int slash = s.indexOf('/', from);
        return slash < 0 ? s.length() : slash;
    }
}
