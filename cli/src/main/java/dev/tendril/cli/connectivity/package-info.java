/**
 * {@code tendril connectivity}: asks the source pod's agent whether a connection would pass its datapath
 * ({@code POST /v1/probe}), for one pair of pods or every pair of some namespaces, as the Kubernetes network policy
 * e2e tests tabulate it; and {@code connectivity test}, which deploys its own pods on every node and checks
 * pod-to-pod connectivity and each policy feature, like {@code cilium connectivity test}.
 */
package dev.tendril.cli.connectivity;
