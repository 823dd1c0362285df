package dev.tendril.agent.datapath.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.testing.netpol.NetpolScenarios;
import org.junit.jupiter.api.Test;

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

    @Test
    void thePodsRunOnBothNodes() {
        assertThat(NetpolScenarios.pods().stream()
                        .map(p -> p + "@" + cluster.pod(p.toString()).node()))
                .containsExactly(
                        "x/a@node-1",
                        "x/b@node-2",
                        "x/c@node-1",
                        "y/a@node-2",
                        "y/b@node-1",
                        "y/c@node-2",
                        "z/a@node-1",
                        "z/b@node-2",
                        "z/c@node-1");
    }
}
