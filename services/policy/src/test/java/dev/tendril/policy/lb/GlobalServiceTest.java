package dev.tendril.policy.lb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.datapath.lb.LbFlags;
import dev.tendril.net.IpAddress;
import dev.tendril.policy.domain.EndpointInfo;
import dev.tendril.policy.domain.NamedPort;
import dev.tendril.policy.domain.Protocol;
import dev.tendril.policy.lb.LbCommand.ApplyService;
import dev.tendril.policy.lb.LbEvent.ServiceApplied;
import dev.tendril.policy.lb.MeshScope.Affinity;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Global Services (Cilium's ClusterMesh semantics): which peers' backends a local Service merges, into which of
 * its ports, and which of them its slots hold under each affinity.
 */
class GlobalServiceTest {

    private static final MeshScope GLOBAL = new MeshScope(true, true, Affinity.NONE);

    private final LbDecider decider = new LbDecider(LbSettings.defaults());
    private final LbState state = new LbState();
    private final MeshServices peers = new MeshServices();

    private static EndpointInfo pod(String name, String ip, String node) {
        return new EndpointInfo(
                "demo",
                name,
                100,
                Map.of("app", "web"),
                List.of(new NamedPort("http", 8080, Protocol.TCP)),
                Set.of(IpAddress.parse(ip)),
                node);
    }

    private static ServiceSpec web(MeshScope mesh, ServicePort... ports) {
        return new ServiceSpec(
                        "demo",
                        "web",
                        "ClusterIP",
                        List.of(),
                        List.of(ports),
                        Map.of("app", "web"),
                        "None",
                        0,
                        "Cluster",
                        "Cluster",
                        List.of(),
                        "PreferDualStack")
                .withMesh(mesh);
    }

    private static ServicePort http() {
        return new ServicePort("http", "TCP", 80, TargetPort.of(8080), 0);
    }

    private static RemoteService.Backend backend(String address, int state, String cluster, String... ports) {
        return new RemoteService.Backend(address, 8080, 6, state, cluster, "node-1", "demo/" + address, List.of(ports));
    }

    private static RemoteService remote(String peer, boolean global, boolean shared, RemoteService.Backend... bs) {
        return new RemoteService(peer, peer.equals("west") ? 2 : 3, global, shared, List.of(bs));
    }

    private ServiceLb maps(ServiceSpec spec, EndpointInfo... local) {
        decider.decide(new ApplyService(spec), state, state.revision() + 1).forEach(state::evolve);
        ServiceApplied applied = state.service(spec.key()).orElseThrow();
        LbController.Resolved resolved =
                LbController.resolve(applied, List.of(), List.of(local), peers.candidates(applied.service()));
        decider.backends(resolved.keys(), state, state.revision() + 1).forEach(state::evolve);
        return LbController.maps(resolved, state.backendIds());
    }

    /** The addresses in a frontend's slots, with the cluster of each ("" local). */
    private static List<String> slots(ServiceLb lb, int frontend) {
        Map<Long, ServiceLb.Backend> byId =
                lb.backends().stream().collect(Collectors.toMap(ServiceLb.Backend::id, b -> b));
        return lb.frontends().get(frontend).backendIds().stream()
                .map(id -> byId.get(id).address() + "@" + byId.get(id).cluster())
                .toList();
    }

    @Test
    void aGlobalServiceMergesTheOwnActiveBackendsOfEveryPeerWhoseServiceIsGlobalAndShared() {
        peers.put(
                "west",
                "demo/web",
                remote(
                        "west",
                        true,
                        true,
                        backend("10.2.0.5", LbFlags.BACKEND_ACTIVE, "", "http"),
                        backend("10.2.0.6", LbFlags.BACKEND_TERMINATING, "", "http"),
                        // Merged by west from a third cluster: west offers only its own.
                        backend("10.4.0.5", LbFlags.BACKEND_ACTIVE, "north", "http"),
                        backend("fd00:2::5", LbFlags.BACKEND_ACTIVE, "", "http")));
        peers.put("east", "demo/web", remote("east", true, false, backend("10.3.0.5", 0, "", "http")));
        peers.put("south", "demo/web", remote("south", false, true, backend("10.5.0.5", 0, "", "http")));
        peers.put("west", "demo/other", remote("west", true, true, backend("10.2.0.9", 0, "", "http")));

        ServiceLb lb = maps(web(GLOBAL, http()), pod("web-0", "10.1.0.5", "node-1"));

        assertThat(slots(lb, 0)).containsExactly("10.1.0.5@", "10.2.0.5@west");
        assertThat(slots(lb, 1)).containsExactly("fd00:2::5@west");
        ServiceLb.Backend west = lb.backends().stream()
                .filter(b -> b.address().equals("10.2.0.5"))
                .findFirst()
                .orElseThrow();
        assertThat(west.clusterId()).isEqualTo(2);
        assertThat(west.node()).isEqualTo("node-1");
        assertThat(west.portNames()).containsExactly("http");
        assertThat(lb.mesh()).isEqualTo(GLOBAL);
    }

    @Test
    void aServiceThatIsNotGlobalTakesNoRemoteBackends() {
        peers.put("west", "demo/web", remote("west", true, true, backend("10.2.0.5", 0, "", "http")));

        ServiceLb lb = maps(web(MeshScope.LOCAL, http()), pod("web-0", "10.1.0.5", "node-1"));

        assertThat(slots(lb, 0)).containsExactly("10.1.0.5@");
        assertThat(lb.backends()).extracting(ServiceLb.Backend::cluster).containsOnly("");
    }

    @Test
    void remoteBackendsGoIntoThePortOfTheSameNameAndProtocol() {
        ServicePort metrics = new ServicePort("metrics", "TCP", 9090, TargetPort.of(9090), 0);
        ServicePort dns = new ServicePort("dns", "UDP", 53, TargetPort.of(53), 0);
        peers.put(
                "west",
                "demo/web",
                remote(
                        "west",
                        true,
                        true,
                        backend("10.2.0.5", 0, "", "http"),
                        backend("10.2.0.6", 0, "", "metrics", "http"),
                        // A TCP backend of a port named dns: not for the local UDP port of that name.
                        backend("10.2.0.7", 0, "", "dns"),
                        backend("10.2.0.8", 0, "", "admin")));

        ServiceLb lb = maps(web(GLOBAL, http(), metrics, dns));

        // Frontends: the IPv4 ClusterIP's three ports, then the IPv6 one's.
        assertThat(slots(lb, 0)).containsExactly("10.2.0.5@west", "10.2.0.6@west");
        assertThat(slots(lb, 1)).containsExactly("10.2.0.6@west");
        assertThat(slots(lb, 2)).isEmpty();
    }

    @Test
    void anUnnamedPortMatchesThePeersUnnamedPort() {
        peers.put("west", "demo/web", remote("west", true, true, backend("10.2.0.5", 0, "", "")));

        ServiceLb lb = maps(web(GLOBAL, new ServicePort("", "TCP", 80, TargetPort.of(8080), 0)));

        assertThat(slots(lb, 0)).containsExactly("10.2.0.5@west");
    }

    @Test
    void localAffinityUsesOnlyLocalBackendsWhileAnyIsActiveElseTheRemoteOnes() {
        peers.put("west", "demo/web", remote("west", true, true, backend("10.2.0.5", 0, "", "http")));
        ServiceSpec spec = web(new MeshScope(true, true, Affinity.LOCAL), http());

        ServiceLb withLocal = maps(spec, pod("web-0", "10.1.0.5", "node-1"));
        ServiceLb terminating = maps(
                spec,
                new EndpointInfo(
                        "demo",
                        "web-0",
                        100,
                        Map.of("app", "web"),
                        List.of(),
                        Set.of(IpAddress.parse("10.1.0.5")),
                        "node-1",
                        true));
        ServiceLb withoutLocal = maps(spec);

        assertThat(slots(withLocal, 0)).containsExactly("10.1.0.5@");
        // The remote backend stays listed (and keeps its id) outside the slots.
        assertThat(withLocal.backends()).extracting(ServiceLb.Backend::cluster).contains("west");
        assertThat(slots(terminating, 0)).containsExactly("10.2.0.5@west");
        assertThat(slots(withoutLocal, 0)).containsExactly("10.2.0.5@west");
    }

    @Test
    void remoteAffinityUsesOnlyRemoteBackendsWhileAnyIsActiveElseTheLocalOnes() {
        ServiceSpec spec = web(new MeshScope(true, true, Affinity.REMOTE), http());
        peers.put("west", "demo/web", remote("west", true, true, backend("10.2.0.5", 0, "", "http")));

        ServiceLb withRemote = maps(spec, pod("web-0", "10.1.0.5", "node-1"));
        peers.put("west", "demo/web", remote("west", true, true, backend("10.2.0.5", LbFlags.BACKEND_TERMINATING, "")));
        ServiceLb remoteGone = maps(spec, pod("web-0", "10.1.0.5", "node-1"));

        assertThat(slots(withRemote, 0)).containsExactly("10.2.0.5@west");
        assertThat(slots(remoteGone, 0)).containsExactly("10.1.0.5@");
    }

    @Test
    void noAffinityBalancesOverLocalAndRemoteTogether() {
        peers.put("west", "demo/web", remote("west", true, true, backend("10.2.0.5", 0, "", "http")));
        peers.put("east", "demo/web", remote("east", true, true, backend("10.3.0.5", 0, "", "http")));

        ServiceLb lb = maps(web(GLOBAL, http()), pod("web-0", "10.1.0.5", "node-1"));

        assertThat(slots(lb, 0)).containsExactlyInAnyOrder("10.1.0.5@", "10.2.0.5@west", "10.3.0.5@east");
    }

    @Test
    void aDisconnectedPeersBackendsLeaveTheirIdsGoAndAQuietPeerKeepsThem() {
        peers.put("west", "demo/web", remote("west", true, true, backend("10.2.0.5", 0, "", "http")));
        peers.put("east", "demo/web", remote("east", true, true, backend("10.3.0.5", 0, "", "http")));
        ServiceSpec spec = web(GLOBAL, http());
        ServiceLb both = maps(spec, pod("web-0", "10.1.0.5", "node-1"));
        long eastId = both.backends().stream()
                .filter(b -> b.cluster().equals("east"))
                .findFirst()
                .orElseThrow()
                .id();

        assertThat(peers.removePeer("west")).containsExactly("demo/web");
        ServiceLb afterDisconnect = maps(spec, pod("web-0", "10.1.0.5", "node-1"));

        assertThat(slots(afterDisconnect, 0)).containsExactly("10.1.0.5@", "10.3.0.5@east");
        assertThat(state.backendIds()).doesNotContainKey(new BackendKey("10.2.0.5", 8080, 6));
        assertThat(state.backendIds()).containsEntry(new BackendKey("10.3.0.5", 8080, 6), eastId);
        assertThat(peers.services("west")).isZero();
        assertThat(peers.services("east")).isEqualTo(1);
    }

    @Test
    void aLocalBackendWinsOverAPeersClaimOfTheSameAddress() {
        peers.put("west", "demo/web", remote("west", true, true, backend("10.1.0.5", 0, "", "http")));

        ServiceLb lb = maps(web(GLOBAL, http()), pod("web-0", "10.1.0.5", "node-1"));

        assertThat(slots(lb, 0)).containsExactly("10.1.0.5@");
    }
}
