package dev.tendril.policy.lb;

import java.util.List;
import java.util.Map;

/**
 * A Service as applied ({@code v1}, types ClusterIP and NodePort). In an event it carries what the decider
 * allocated: the cluster IPs (one per family, in the order of {@code ipFamilies}) and every NodePort. A
 * Service without selector takes its backends from EndpointSlices. {@code mesh} holds its ClusterMesh
 * annotations (absent in events stored before them: {@link MeshScope#LOCAL}).
 */
public record ServiceSpec(
        String namespace,
        String name,
        String type,
        List<String> clusterIPs,
        List<ServicePort> ports,
        Map<String, String> selector,
        String sessionAffinity,
        int affinityTimeoutSeconds,
        String internalTrafficPolicy,
        String externalTrafficPolicy,
        List<String> ipFamilies,
        String ipFamilyPolicy,
        MeshScope mesh) {

    public static final String CLUSTER_IP = "ClusterIP";
    public static final String NODE_PORT = "NodePort";
    public static final String CLIENT_IP = "ClientIP";
    public static final String LOCAL = "Local";

    public ServiceSpec {
        clusterIPs = List.copyOf(clusterIPs);
        ports = List.copyOf(ports);
        selector = Map.copyOf(selector);
        ipFamilies = List.copyOf(ipFamilies);
        mesh = mesh == null ? MeshScope.LOCAL : mesh;
    }

    /** A Service without ClusterMesh annotations. */
    public ServiceSpec(
            String namespace,
            String name,
            String type,
            List<String> clusterIPs,
            List<ServicePort> ports,
            Map<String, String> selector,
            String sessionAffinity,
            int affinityTimeoutSeconds,
            String internalTrafficPolicy,
            String externalTrafficPolicy,
            List<String> ipFamilies,
            String ipFamilyPolicy) {
        this(
                namespace,
                name,
                type,
                clusterIPs,
                ports,
                selector,
                sessionAffinity,
                affinityTimeoutSeconds,
                internalTrafficPolicy,
                externalTrafficPolicy,
                ipFamilies,
                ipFamilyPolicy,
                MeshScope.LOCAL);
    }

    /** This Service with other ClusterMesh annotations. */
    public ServiceSpec withMesh(MeshScope scope) {
        return new ServiceSpec(
                namespace,
                name,
                type,
                clusterIPs,
                ports,
                selector,
                sessionAffinity,
                affinityTimeoutSeconds,
                internalTrafficPolicy,
                externalTrafficPolicy,
                ipFamilies,
                ipFamilyPolicy,
                scope);
    }

    public String key() {
        return namespace + "/" + name;
    }

    public boolean hasSelector() {
        return !selector.isEmpty();
    }

    public boolean affinity() {
        return CLIENT_IP.equals(sessionAffinity);
    }
}
