package dev.tendril.agent.datapath.fabric;

import java.nio.file.Path;
import java.util.List;

/**
 * A stand-in agent process for {@link FabricTest}: wires node-1 and node-2 of a stack with pods a (node-1)
 * and b (node-2) as the tests' specs say, prints what it found, and waits to be killed.
 * Arguments: the stack prefix, the bpffs root.
 */
public final class FabricWirer {
    static final String READY = "WIRED";

    private FabricWirer() {}

    public static void main(String[] args) throws InterruptedException {
        Fabric fabric = Fabric.open(new StackPrefix(args[0]), Path.of(args[1]));
        FabricNode n1 = fabric.ensureNode(FabricTestSupport.node(1));
        FabricNode n2 = fabric.ensureNode(FabricTestSupport.node(2));
        fabric.routePeers("node-1", List.of(n2.asPeer()));
        fabric.routePeers("node-2", List.of(n1.asPeer()));
        FabricPod a = fabric.ensurePod(FabricTestSupport.pod(1, "a", 16));
        FabricPod b = fabric.ensurePod(FabricTestSupport.pod(2, "b", 16));
        System.out.println(READY + " reused=" + a.reused() + "," + b.reused());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
