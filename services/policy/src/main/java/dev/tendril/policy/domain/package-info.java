/** Network policies as Kubernetes and Cilium define them, and their pure compilation into per-identity policy-map entries. */
package dev.tendril.policy.domain;
