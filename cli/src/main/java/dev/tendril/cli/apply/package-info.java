/**
 * {@code tendril apply -f} and {@code tendril delete -f}: reads multi-document YAML/JSON manifests, validates every
 * document before anything changes, and hands each kind to the {@link dev.tendril.cli.apply.ManifestKindHandler}
 * of the service that owns it.
 */
package dev.tendril.cli.apply;
