/**
 * The kernel datapath: loads the BPF programs of src/main/bpf with libbpf over the node's pinned maps,
 * attaches them with tc to pods' host-side veths, and reads their verdict events from the ring buffer.
 */
package dev.tendril.agent.datapath.kernel;
