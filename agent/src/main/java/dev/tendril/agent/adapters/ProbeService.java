package dev.tendril.agent.adapters;

import dev.tendril.agent.AgentConfig;
import dev.tendril.agent.datapath.fabric.FabricPod;
import dev.tendril.agent.datapath.kernel.KernelPodNetwork;
import dev.tendril.agent.datapath.kernel.PodProbe;
import dev.tendril.agent.probe.FlowSink;
import dev.tendril.agent.probe.NodeView;
import dev.tendril.agent.probe.ProbeRequest;
import dev.tendril.agent.probe.ProbeResponse;
import dev.tendril.agent.probe.Prober;
import dev.tendril.agent.state.LocalEndpoint;
import dev.tendril.agent.state.NodeImage;
import dev.tendril.api.v1.Identity;
import dev.tendril.datapath.Datapath;
import dev.tendril.datapath.ipcache.Ipcache;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.lb.LbMaps;
import dev.tendril.datapath.lb.LoadBalancer;
import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.HashMapInMemory;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMap;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * Wires the {@link Prober} to this node's image and maps, the peer agents and the flows topic, and answers
 * probes: with the kernel pod network running, a probe whose source is one of this node's pods is a real
 * connection from that pod's namespace ({@link PodProbe}: a handshake or echo is FORWARDED, silence DROPPED),
 * the model's verdict beside it. Then the flow records come from the kernel's verdict events only, so the
 * prober emits none (no model record duplicates a kernel one).
 */
@ApplicationScoped
public class ProbeService {

    /**
     * Why an SCTP probe gets the model's verdict on the kernel datapath: the JDK has no portable SCTP socket,
     * so the responders do not answer on SCTP ports and no real SCTP packet is sent (on this kernel there is no
     * SCTP at all when /proc/sys/net/sctp is missing).
     */
    static final String SCTP_SKIPPED = Files.isDirectory(Path.of("/proc/sys/net/sctp"))
            ? "real SCTP probes are not implemented (the pods do not answer on SCTP ports): the model's verdict"
            : "the kernel has no SCTP (no /proc/sys/net/sctp): the model's verdict";

    @Inject
    MeshStateConsumer mesh;

    @Inject
    AgentConfig config;

    @Inject
    DatapathMaps maps;

    @Inject
    NodeStateConsumer state;

    @Inject
    HttpPeerClient peers;

    @Inject
    FlowPublisher flows;

    @Inject
    PodNetworks pods;

    private Prober prober;

    @PostConstruct
    void init() {
        FlowSink sink = pods.kernel().isPresent() ? flow -> {} : flows;
        prober = new Prober(new MapsView(), peers, sink, Clock.systemUTC());
    }

    public Prober prober() {
        return prober;
    }

    /**
     * The model's answer, or the kernel's where it can be had: the kernel pod network runs, the request does
     * not ask for the model, the source is a wired pod of this node, the protocol is TCP or UDP and the probe
     * is no loopback.
     */
    public Prober.Outcome probe(ProbeRequest request, boolean forwarded) {
        Prober.Outcome model = prober.probe(request, forwarded);
        ProbeResponse answer = model.response();
        Optional<KernelPodNetwork> kernel = pods.kernel().filter(KernelPodNetwork::started);
        if (model.forwarded()
                || kernel.isEmpty()
                || request.modelOnly()
                || answer.loopback()
                || answer.from().endpoint() == null) {
            return model;
        }
        ProbeRequest.Probe probe = request.validate();
        Optional<FabricPod> pod = kernel.get().pod(answer.from().endpoint());
        if (pod.isEmpty()) {
            return model;
        }
        if (probe.protocol() == IpProtocol.SCTP) {
            return new Prober.Outcome(answer.modelBecause(SCTP_SKIPPED), false);
        }
        if (probe.protocol() != IpProtocol.TCP && probe.protocol() != IpProtocol.UDP) {
            return model;
        }
        // Through a Service the real connect goes to the frontend: the node's socket-LB translates it.
        ProbeResponse.Service service = answer.service();
        InetAddress to;
        try {
            to = InetAddress.getByName(service == null ? answer.to().ip() : service.frontendIp());
        } catch (UnknownHostException e) {
            return model;
        }
        int port = service == null ? probe.port() : service.frontendPort();
        PodProbe.Attempt met = PodProbe.attempt(pod.get().netns(), to, port, probe.protocol(), config.probeTimeout());
        String verdict = met.result().delivered() ? "FORWARDED" : "DROPPED";
        if (service != null && met.peer() != null && !sameBackend(service, met.peer())) {
            // The kernel's socket-LB chose another backend than the model's draw: answer for the one it chose.
            return new Prober.Outcome(
                    kernelBackend(request, service, met.peer()).kernel(verdict), false);
        }
        return new Prober.Outcome(answer.kernel(verdict), false);
    }

    private static boolean sameBackend(ProbeResponse.Service service, InetSocketAddress peer) {
        return service.backend() != null
                && service.backend().startsWith(IpcacheKey.format(peer.getAddress()) + ":" + peer.getPort() + "/");
    }

    /** The model's answer for the backend the kernel connected to, with the Service it was reached through. */
    private ProbeResponse kernelBackend(ProbeRequest request, ProbeResponse.Service service, InetSocketAddress peer) {
        String address = IpcacheKey.format(peer.getAddress());
        ProbeResponse direct = prober.probe(
                        new ProbeRequest(request.from(), address, peer.getPort(), request.protocol(), true), false)
                .response();
        int protocol = request.validate().protocol();
        Long backendId = state.status().image().services().values().stream()
                .flatMap(m -> m.getBackendsList().stream())
                .filter(b ->
                        b.getAddress().equals(address) && b.getPort() == peer.getPort() && b.getProtocol() == protocol)
                .map(b -> (long) b.getId())
                .findFirst()
                .orElse(null);
        return direct.withService(new ProbeResponse.Service(
                service.service(),
                service.frontend(),
                service.frontendIp(),
                service.frontendPort(),
                address + ":" + peer.getPort() + "/" + IpProtocol.name(protocol),
                backendId,
                null,
                false));
    }

    /** The node's maps as the datapath reads them; the image as the state consumer last applied it. */
    private final class MapsView implements NodeView {

        @Override
        public String nodeName() {
            return config.nodeName();
        }

        @Override
        public NodeImage image() {
            return state.status().image();
        }

        @Override
        public List<LocalEndpoint> localEndpoints() {
            return maps.localEndpoints();
        }

        @Override
        public Identity identity(long id) {
            Identity local = image().identities().get(id);
            return local != null ? local : mesh.remoteIdentity(id);
        }

        @Override
        public long resolveIdentity(InetAddress address) {
            return new Datapath(new Ipcache(maps.ipcache())).resolveIdentity(address);
        }

        @Override
        public Optional<RemotePod> remotePod(InetAddress address) {
            return mesh.remoteEndpoint(address).map(r -> new RemotePod(r.cluster(), r.endpoint()));
        }

        @Override
        public Optional<PolicyMap> policyMap(LocalEndpoint endpoint) {
            return maps.backend().open(endpoint.policyMapName()).map(PolicyMap::new);
        }

        // The model's own ClientIP affinity: the kernel's affinity maps belong to the kernel programs.
        private final BpfMap affinity4 = new HashMapInMemory(LbMaps.AFFINITY_V4);
        private final BpfMap affinity6 = new HashMapInMemory(LbMaps.AFFINITY_V6);

        @Override
        public Optional<LoadBalancer> loadBalancer() {
            LoadBalancer.FamilyMaps v4 = family(false, affinity4);
            LoadBalancer.FamilyMaps v6 = family(true, affinity6);
            return v4 == null && v6 == null ? Optional.empty() : Optional.of(new LoadBalancer(v4, v6));
        }

        private LoadBalancer.FamilyMaps family(boolean v6, BpfMap affinity) {
            Optional<BpfMap> services = maps.backend().open(LbMaps.services(v6).name());
            Optional<BpfMap> backends = maps.backend().open(LbMaps.backends(v6).name());
            if (services.isEmpty() || backends.isEmpty()) {
                return null;
            }
            return new LoadBalancer.FamilyMaps(services.get(), backends.get(), affinity);
        }
    }
}
