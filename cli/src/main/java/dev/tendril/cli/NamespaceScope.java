package dev.tendril.cli;

import dev.tendril.cli.apply.ManifestKinds;
import picocli.CommandLine.Option;

/**
 * kubectl's scope of a namespaced {@code get}: {@code -n NAMESPACE} or {@code -A} for every namespace, neither
 * meaning {@value ManifestKinds#DEFAULT_NAMESPACE}. Commands hold it as an exclusive {@code @ArgGroup}, which
 * picocli leaves null when neither option is given: ask through the static methods.
 */
public final class NamespaceScope {

    @Option(
            names = {"-n", "--namespace"},
            paramLabel = "NAMESPACE",
            description = "Only the ${COMMAND-NAME} of this namespace (default: default).")
    String namespace;

    @Option(
            names = {"-A", "--all-namespaces"},
            description = "The ${COMMAND-NAME} of every namespace.")
    boolean all;

    /** Whether {@code scope} asks for every namespace. */
    public static boolean all(NamespaceScope scope) {
        return scope != null && scope.all;
    }

    /** The one namespace {@code scope} asks for (meaningless with {@link #all}). */
    public static String namespace(NamespaceScope scope) {
        return scope != null && scope.namespace != null ? scope.namespace : ManifestKinds.DEFAULT_NAMESPACE;
    }
}
