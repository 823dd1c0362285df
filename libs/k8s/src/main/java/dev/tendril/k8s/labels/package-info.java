/** Cilium's labels as values: a label with its source, label sets with Cilium's identity key, and Kubernetes label selectors, written once for every Tendril module. */
package dev.tendril.k8s.labels;
