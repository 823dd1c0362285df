package dev.tendril.policy.adapters.rest;

import dev.tendril.datapath.lb.LbFlags;
import dev.tendril.net.IpAddress;
import dev.tendril.net.IpFamily;
import dev.tendril.policy.lb.LbEvent.ServiceApplied;
import dev.tendril.policy.lb.Protocols;
import dev.tendril.policy.lb.ServiceLb;
import dev.tendril.policy.lb.ServiceSpec;
import dev.tendril.policy.lb.SliceSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The JSON of /v1/services and /v1/endpointslices (docs/services.md): records made from the domain, never entities. */
public final class ServiceViews {

    static final String MANAGED_BY = "endpointslice-controller.tendril.dev";

    private ServiceViews() {}

    public record ApplyResponse(
            long revision, List<ServiceView> services, List<EndpointSliceView> endpointSlices, Boolean dryRun) {}

    public record PortView(String name, String protocol, int port, Object targetPort, Integer nodePort) {}

    /** An active backend; {@code cluster} "" for this cluster's, the ClusterMesh peer's name for a peer's. */
    public record BackendView(
            String address, int port, String protocol, String pod, String node, String portName, String cluster) {}

    /** The ClusterMesh annotations: {@code affinity} local, remote or none. */
    public record MeshView(boolean global, boolean shared, String affinity) {}

    public record ServiceView(
            String namespace,
            String name,
            String type,
            List<String> clusterIPs,
            List<PortView> ports,
            Map<String, String> selector,
            String sessionAffinity,
            int affinityTimeoutSeconds,
            String internalTrafficPolicy,
            String externalTrafficPolicy,
            MeshView clusterMesh,
            List<BackendView> backends,
            List<String> conditions,
            long revision) {}

    public record SlicePortView(String name, String protocol, int port) {}

    /**
     * An endpoint of a slice with Kubernetes' conditions: a terminating pod (deleted with a grace period) is
     * {@code ready=false, serving=true, terminating=true}; an applied slice's endpoint serves when it is ready.
     */
    public record SliceEndpointView(
            List<String> addresses,
            boolean ready,
            boolean serving,
            boolean terminating,
            String nodeName,
            String targetRef) {}

    public record EndpointSliceView(
            String namespace,
            String name,
            String service,
            String addressType,
            String managedBy,
            List<SlicePortView> ports,
            List<SliceEndpointView> endpoints) {}

    static ServiceView service(ServiceApplied applied, ServiceLb maps) {
        ServiceSpec s = applied.service();
        List<PortView> ports = s.ports().stream()
                .map(p -> new PortView(
                        p.name(),
                        p.protocol(),
                        p.port(),
                        p.targetPort().byName()
                                ? p.targetPort().name()
                                : (Object) p.targetPort().number(),
                        p.nodePort() == 0 ? null : p.nodePort()))
                .toList();
        List<BackendView> backends = maps == null
                ? List.of()
                : maps.backends().stream()
                        .filter(b -> b.state() == LbFlags.BACKEND_ACTIVE)
                        .map(b -> new BackendView(
                                b.address(),
                                b.port(),
                                Protocols.name(b.protocol()),
                                b.pod(),
                                b.node(),
                                b.portName(),
                                b.cluster()))
                        .toList();
        return new ServiceView(
                s.namespace(),
                s.name(),
                s.type(),
                s.clusterIPs(),
                ports,
                s.selector(),
                s.sessionAffinity(),
                s.affinityTimeoutSeconds(),
                s.internalTrafficPolicy(),
                s.externalTrafficPolicy(),
                new MeshView(
                        s.mesh().global(),
                        s.mesh().shared(),
                        s.mesh().affinity().annotation()),
                backends,
                maps == null ? List.of() : maps.conditions(),
                applied.revision());
    }

    static EndpointSliceView slice(SliceSpec s) {
        return new EndpointSliceView(
                s.namespace(),
                s.name(),
                s.service(),
                s.addressType(),
                "",
                s.ports().stream()
                        .map(p -> new SlicePortView(p.name(), p.protocol(), p.port()))
                        .toList(),
                s.endpoints().stream()
                        .map(e -> new SliceEndpointView(
                                e.addresses(), e.ready(), e.ready(), false, e.nodeName(), e.targetRef()))
                        .toList());
    }

    /** The controller's slices of a selector Service: one per family that has backends, {@code <service>-tendril}. */
    static List<EndpointSliceView> derived(ServiceSpec spec, ServiceLb maps) {
        List<EndpointSliceView> out = new ArrayList<>();
        for (IpFamily family : IpFamily.values()) {
            Set<SlicePortView> ports = new LinkedHashSet<>();
            Map<String, List<String>> addresses = new LinkedHashMap<>();
            Map<String, String> nodes = new LinkedHashMap<>();
            Set<String> terminating = new LinkedHashSet<>();
            for (ServiceLb.Backend b : maps.backends()) {
                // A peer's backends are its cluster's endpoints, not this cluster's.
                if (b.remote() || IpAddress.parse(b.address()).family() != family) {
                    continue;
                }
                ports.add(new SlicePortView(b.portName(), Protocols.name(b.protocol()), b.port()));
                List<String> list = addresses.computeIfAbsent(b.pod(), k -> new ArrayList<>());
                if (!list.contains(b.address())) {
                    list.add(b.address());
                }
                nodes.put(b.pod(), b.node());
                if (b.state() == LbFlags.BACKEND_TERMINATING) {
                    terminating.add(b.pod());
                }
            }
            if (addresses.isEmpty()) {
                continue;
            }
            String name = spec.name() + "-tendril" + (family == IpFamily.IPV6 ? "-ipv6" : "");
            out.add(new EndpointSliceView(
                    spec.namespace(),
                    name,
                    spec.name(),
                    family == IpFamily.IPV4 ? "IPv4" : "IPv6",
                    MANAGED_BY,
                    List.copyOf(ports),
                    addresses.entrySet().stream()
                            .map(e -> {
                                boolean ending = terminating.contains(e.getKey());
                                return new SliceEndpointView(
                                        e.getValue(), !ending, true, ending, nodes.get(e.getKey()), e.getKey());
                            })
                            .toList()));
        }
        return out;
    }
}
