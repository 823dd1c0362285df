/** The node agent: follows the control plane's topics and writes the node's eBPF maps. */
package dev.tendril.agent;
