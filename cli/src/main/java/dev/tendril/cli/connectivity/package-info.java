/**
 * {@code tendril connectivity}: asks the source pod's agent whether a connection would pass its datapath
 * ({@code POST /v1/probe}), for one pair of pods or every pair of some namespaces, as the Kubernetes network policy
 * e2e tests tabulate it.
 */
package dev.tendril.cli.connectivity;
