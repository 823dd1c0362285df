/** The upstream Kubernetes network-policy e2e model and conformance scenarios, shared by in-process and end-to-end tests. */
package dev.tendril.testing.netpol;
