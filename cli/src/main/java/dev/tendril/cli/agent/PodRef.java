package dev.tendril.cli.agent;

import picocli.CommandLine;

/** A pod as the operator names it: {@code namespace/pod}. */
public record PodRef(String namespace, String pod) {

    public static PodRef parse(String text) {
        int slash = text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1 || text.indexOf('/', slash + 1) >= 0) {
            throw new IllegalArgumentException("'" + text + "' is not NAMESPACE/POD");
        }
        return new PodRef(text.substring(0, slash), text.substring(slash + 1));
    }

    @Override
    public String toString() {
        return namespace + "/" + pod;
    }

    /** Lets picocli options and parameters be {@code PodRef}s, with its one-line usage error. */
    public static final class Converter implements CommandLine.ITypeConverter<PodRef> {
        @Override
        public PodRef convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
