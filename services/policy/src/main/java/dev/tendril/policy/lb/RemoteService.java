package dev.tendril.policy.lb;

import java.util.List;

/**
 * A ClusterMesh peer's Service as the peer published it ({@code <peer>.tendril.services}): whether it is global and
 * shared, and its backends. Only what {@link MeshServices} needs to merge it into a local global Service.
 *
 * @param clusterId the peer's cluster id (from {@code tendril.mesh.peers}), 0 when unknown
 */
public record RemoteService(String cluster, int clusterId, boolean global, boolean shared, List<Backend> backends) {

    public RemoteService {
        backends = List.copyOf(backends);
    }

    /**
     * A backend as the peer lists it.
     *
     * @param state Cilium's backend state (0 active)
     * @param cluster "" for the peer's own backend, else the cluster the peer merged it from
     * @param portNames the peer's Service ports it serves ("" for an unnamed port)
     */
    public record Backend(
            String address,
            int port,
            int protocol,
            int state,
            String cluster,
            String node,
            String pod,
            List<String> portNames) {
        public Backend {
            portNames = List.copyOf(portNames);
        }
    }
}
