package dev.tendril.flows.domain;

/** One endpoint label as Hubble prints it, {@code source:key=value} (source may be empty). */
public record Label(String source, String key, String value) {

    /** Parses {@code k8s:app=web}, {@code app=web} or {@code reserved:world}. */
    public static Label parse(String text) {
        int eq = text.indexOf('=');
        String left = eq < 0 ? text : text.substring(0, eq);
        String value = eq < 0 ? "" : text.substring(eq + 1);
        int colon = left.indexOf(':');
        return colon < 0 ? new Label("", left, value) : new Label(left.substring(0, colon), left.substring(colon + 1), value);
    }
}
