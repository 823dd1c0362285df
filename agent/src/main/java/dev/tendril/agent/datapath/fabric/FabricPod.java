package dev.tendril.agent.datapath.fabric;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * A pod as wired.
 *
 * @param netns         the pod's namespace, {@code /var/run/netns/<netnsName>}
 * @param hostInterface the host side of its veth, in the node's namespace {@code nodeNetns}: where the
 *                      programs attach ({@code KernelDatapath.attach(id, nodeNetns, hostInterface)})
 * @param reused        the namespace was there already (a restarted agent), and was kept
 */
public record FabricPod(
        PodRef pod,
        String netnsName,
        Path netns,
        Path nodeNetns,
        String hostInterface,
        String podInterface,
        List<InetAddress> addresses,
        boolean reused) {

    public FabricPod {
        addresses = List.copyOf(addresses);
    }
}
