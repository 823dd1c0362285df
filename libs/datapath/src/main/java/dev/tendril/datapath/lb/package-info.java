/**
 * Byte-exact records of Cilium's load-balancing maps ({@code cilium_lb{4,6}_services_v2}, {@code _backends_v3},
 * {@code _reverse_nat}, {@code _affinity}, {@code _reverse_sk}), their map specs, and the model load balancer
 * that translates a service frontend to a backend with the same lookups the kernel programs make.
 */
package dev.tendril.datapath.lb;
