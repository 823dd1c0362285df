package dev.tendril.cli.apply;

/**
 * A kind of object {@code tendril apply} knows.
 *
 * @param kind       as in the manifest's {@code kind}
 * @param apiVersion the one {@code apiVersion} accepted for it
 * @param resource   how kubectl names it in output: {@code networkpolicy.networking.k8s.io}
 * @param namespaced whether objects of the kind live in a namespace
 */
public record ManifestKind(String kind, String apiVersion, String resource, boolean namespaced) {}
