/**
 * The local cluster's network: per stack a switch namespace, per node a network namespace wired to it and
 * routing the other nodes' pod CIDRs (Cilium's native routing), per pod a namespace with a veth into its
 * node, all named after a stack prefix so that stacks never collide and teardown finds everything.
 */
package dev.tendril.agent.datapath.fabric;
