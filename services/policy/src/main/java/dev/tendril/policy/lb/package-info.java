/**
 * Kubernetes Services and EndpointSlices as load-balancing state: their commands, events and decider (with the
 * ClusterIP, NodePort, backend id and reverse-NAT allocations), and the pure endpoint-slice controller that
 * turns them and the endpoints into frontends and backends.
 */
package dev.tendril.policy.lb;
