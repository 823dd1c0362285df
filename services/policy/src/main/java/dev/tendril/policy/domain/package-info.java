/**
 * Network policies as Kubernetes and Cilium define them, their pure compilation into per-identity
 * policy-map entries, and the policy stream's commands, events and {@link dev.tendril.policy.domain.PolicyDecider}.
 */
package dev.tendril.policy.domain;
