package dev.tendril.policy.lb;

import java.util.List;

/**
 * A Service as load-balancing map content: its frontends (master entries with their slots) and backends,
 * and what could not become a backend ({@code conditions}). What the tendril.services record carries, less
 * the publishing revision; equal content means nothing to publish. {@code mesh}: its ClusterMesh annotations.
 */
public record ServiceLb(
        String namespace,
        String name,
        String type,
        MeshScope mesh,
        List<Frontend> frontends,
        List<Backend> backends,
        List<String> conditions) {

    public ServiceLb {
        frontends = List.copyOf(frontends);
        backends = List.copyOf(backends);
        conditions = List.copyOf(conditions);
        mesh = mesh == null ? MeshScope.LOCAL : mesh;
    }

    /** A Service without ClusterMesh annotations. */
    public ServiceLb(
            String namespace,
            String name,
            String type,
            List<Frontend> frontends,
            List<Backend> backends,
            List<String> conditions) {
        this(namespace, name, type, MeshScope.LOCAL, frontends, backends, conditions);
    }

    public String key() {
        return namespace + "/" + name;
    }

    /** One master entry: its flags, reverse-NAT index and the backend ids of its slots, in slot order. */
    public record Frontend(
            String address,
            int port,
            int protocol,
            String portName,
            int revNatIndex,
            int flags,
            int flags2,
            int affinityTimeoutSeconds,
            boolean nodeLocal,
            List<Long> backendIds) {
        public Frontend {
            backendIds = List.copyOf(backendIds);
        }
    }

    /**
     * A backend with its id; {@code pod} "namespace/pod" or "", {@code node} "" when unknown; {@code cluster} ""
     * for this cluster's, a ClusterMesh peer's name (and {@code clusterId} its id) for a peer's; {@code portNames}
     * the Service ports it serves ({@code portName} the first).
     */
    public record Backend(
            long id,
            String address,
            int port,
            int protocol,
            int state,
            String node,
            String pod,
            String portName,
            String cluster,
            int clusterId,
            List<String> portNames) {
        public Backend {
            portNames = List.copyOf(portNames);
        }

        /** A backend of this cluster serving one port. */
        public Backend(
                long id, String address, int port, int protocol, int state, String node, String pod, String portName) {
            this(id, address, port, protocol, state, node, pod, portName, "", 0, List.of(portName));
        }

        public boolean remote() {
            return !cluster.isEmpty();
        }
    }
}
