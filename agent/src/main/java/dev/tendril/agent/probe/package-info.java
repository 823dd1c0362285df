/**
 * Connectivity probes: the policy decision the node's datapath will take for a packet between two pods
 * (or a pod and an address), evaluated on the maps of the nodes involved, and the Hubble flow records
 * that each node's policy verdict produces. Pure: the maps, the peers and the flow sink are ports.
 */
package dev.tendril.agent.probe;
