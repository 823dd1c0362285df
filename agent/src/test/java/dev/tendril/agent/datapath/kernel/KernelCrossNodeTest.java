package dev.tendril.agent.datapath.kernel;

/**
 * The network-policy conformance scenarios with the nine pods spread over two nodes of the fabric (x/a,
 * x/c, y/b, z/a, z/c on node-1; x/b, y/a, y/c, z/b on node-2), each node with its own maps written by its
 * own reconciler, its own programs on its own pods and its own ring buffer: every row has cells within a
 * node and cells across the switch, natively routed on the nodes' pod CIDRs. Over IPv4 and IPv6, the
 * kernel's table, the model's (with the ipcache of the deciding pod's node) and the scenario's must be the
 * same, the source's node must report the egress verdict and the destination's node the ingress one.
 */
class KernelCrossNodeTest extends KernelNetpolConformanceTest {

    @Override
    int nodeCount() {
        return 2;
    }
}
