package dev.tendril.policy.lb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.net.IpAddress;
import dev.tendril.policy.domain.EndpointInfo;
import dev.tendril.policy.domain.NamedPort;
import dev.tendril.policy.domain.Protocol;
import dev.tendril.policy.lb.LbCommand.ApplyService;
import dev.tendril.policy.lb.LbCommand.ApplySlice;
import dev.tendril.policy.lb.LbEvent.ServiceApplied;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LbControllerTest {

    private final LbDecider decider = new LbDecider(LbSettings.defaults());
    private final LbState state = new LbState();

    private static EndpointInfo pod(String name, String app, String ip, int httpPort, String node) {
        return new EndpointInfo(
                "demo",
                name,
                100,
                Map.of("app", app),
                httpPort == 0 ? List.of() : List.of(new NamedPort("http", httpPort, Protocol.TCP)),
                Set.of(IpAddress.parse(ip)),
                node);
    }

    private ServiceApplied apply(ServiceSpec spec) {
        decider.decide(new ApplyService(spec), state, state.revision() + 1).forEach(state::evolve);
        return state.service(spec.key()).orElseThrow();
    }

    private ServiceLb maps(ServiceApplied service, List<EndpointInfo> endpoints) {
        LbController.Resolved resolved = LbController.resolve(
                service, state.slices().values().stream().map(s -> s.slice()).toList(), endpoints);
        decider.backends(resolved.keys(), state, state.revision() + 1).forEach(state::evolve);
        return LbController.maps(resolved, state.backendIds());
    }

    @Test
    void givenSelectedPodsWithANamedPortWhenResolvedThenEachPodIsABackendOnItsOwnPort() {
        ServiceApplied svc = apply(new ServiceSpec(
                "demo",
                "backend",
                "NodePort",
                List.of(),
                List.of(new ServicePort("web", "TCP", 80, TargetPort.named("http"), 0)),
                Map.of("app", "backend"),
                "ClientIP",
                0,
                "Cluster",
                "Local",
                List.of(),
                ""));

        ServiceLb lb = maps(
                svc,
                List.of(
                        pod("b1", "backend", "10.0.1.5", 8080, "n1"),
                        pod("b2", "backend", "10.0.1.6", 9090, "n2"),
                        pod("f1", "frontend", "10.0.1.7", 8080, "n1")));

        assertThat(lb.backends())
                .extracting(b -> b.address() + ":" + b.port() + "@" + b.node())
                .containsExactlyInAnyOrder("10.0.1.5:8080@n1", "10.0.1.6:9090@n2");
        ServiceLb.Frontend clusterIp = lb.frontends().get(0);
        assertThat(clusterIp.address()).isEqualTo("10.96.0.1");
        assertThat(clusterIp.flags()).isEqualTo(SvcFlags.AFFINITY);
        assertThat(clusterIp.affinityTimeoutSeconds()).isEqualTo(10800);
        assertThat(clusterIp.backendIds()).hasSize(2);
        ServiceLb.Frontend nodePort = lb.frontends().get(1);
        assertThat(nodePort.address()).isEqualTo("0.0.0.0");
        assertThat(nodePort.port()).isEqualTo(30000);
        assertThat(nodePort.flags()).isEqualTo(SvcFlags.NODEPORT | SvcFlags.EXT_LOCAL_SCOPE | SvcFlags.AFFINITY);
        assertThat(nodePort.nodeLocal()).isTrue();
        assertThat(lb.conditions()).isEmpty();
    }

    @Test
    void givenANamedPortNoPodDeclaresThenNoBackendsAndACondition() {
        ServiceApplied svc = apply(new ServiceSpec(
                "demo",
                "backend",
                "ClusterIP",
                List.of(),
                List.of(new ServicePort("", "TCP", 80, TargetPort.named("grpc"), 0)),
                Map.of("app", "backend"),
                "None",
                0,
                "Cluster",
                "Cluster",
                List.of(),
                ""));

        ServiceLb lb = maps(svc, List.of(pod("b1", "backend", "10.0.1.5", 8080, "n1")));

        assertThat(lb.backends()).isEmpty();
        assertThat(lb.frontends().get(0).backendIds()).isEmpty();
        assertThat(lb.conditions()).singleElement().asString().contains("'grpc'");
    }

    @Test
    void givenTwoServicesOnTheSameAddressAndPortThenTheyShareTheBackendId() {
        ServiceApplied a = apply(new ServiceSpec(
                "demo",
                "a",
                "ClusterIP",
                List.of(),
                List.of(new ServicePort("", "TCP", 80, TargetPort.of(8080), 0)),
                Map.of("app", "backend"),
                "None",
                0,
                "Cluster",
                "Cluster",
                List.of(),
                ""));
        ServiceApplied b = apply(new ServiceSpec(
                "demo",
                "b",
                "ClusterIP",
                List.of(),
                List.of(new ServicePort("", "TCP", 81, TargetPort.of(8080), 0)),
                Map.of("app", "backend"),
                "None",
                0,
                "Cluster",
                "Cluster",
                List.of(),
                ""));
        List<EndpointInfo> pods = List.of(pod("b1", "backend", "10.0.1.5", 0, "n1"));

        assertThat(maps(a, pods).backends().get(0).id())
                .isEqualTo(maps(b, pods).backends().get(0).id());
    }

    @Test
    void givenASelectorlessServiceThenBackendsAreTheReadyEndpointsOfItsSlices() {
        ServiceApplied svc = apply(new ServiceSpec(
                "demo",
                "ext",
                "ClusterIP",
                List.of(),
                List.of(new ServicePort("db", "TCP", 5432, TargetPort.of(5432), 0)),
                Map.of(),
                "None",
                0,
                "Cluster",
                "Cluster",
                List.of(),
                ""));
        SliceSpec slice = new SliceSpec(
                "demo",
                "ext-1",
                "ext",
                "IPv4",
                List.of(new SliceSpec.Port("db", "TCP", 6432)),
                List.of(
                        new SliceSpec.Endpoint(List.of("192.168.1.10"), true, "n1", ""),
                        new SliceSpec.Endpoint(List.of("192.168.1.11"), false, "n1", "")));
        decider.decide(new ApplySlice(slice), state, state.revision() + 1).forEach(state::evolve);

        ServiceLb lb = maps(svc, List.of());

        assertThat(lb.backends()).extracting(b -> b.address() + ":" + b.port()).containsExactly("192.168.1.10:6432");
    }

    @Test
    void givenATerminatingPodThenItKeepsItsBackendInStateTerminatingButNoSlot() {
        ServiceApplied svc = apply(new ServiceSpec(
                "demo",
                "backend",
                "ClusterIP",
                List.of(),
                List.of(new ServicePort("", "TCP", 80, TargetPort.named("http"), 0)),
                Map.of("app", "backend"),
                "None",
                0,
                "Cluster",
                "Cluster",
                List.of(),
                ""));
        EndpointInfo live = pod("b1", "backend", "10.0.1.5", 8080, "n1");
        EndpointInfo ending = pod("b2", "backend", "10.0.1.6", 8080, "n2");
        ServiceLb before = maps(svc, List.of(live, ending));
        long endingId = before.backends().stream()
                .filter(b -> b.address().equals("10.0.1.6"))
                .findFirst()
                .orElseThrow()
                .id();

        EndpointInfo terminating = new EndpointInfo(
                ending.namespace(),
                ending.pod(),
                ending.identity(),
                ending.labels(),
                ending.namedPorts(),
                ending.addresses(),
                ending.node(),
                true);
        ServiceLb lb = maps(svc, List.of(live, terminating));

        assertThat(lb.backends())
                .extracting(b -> b.address() + "@" + b.state())
                .containsExactlyInAnyOrder("10.0.1.5@0", "10.0.1.6@1");
        assertThat(lb.backends())
                .filteredOn(b -> b.address().equals("10.0.1.6"))
                .singleElement()
                .satisfies(b -> {
                    assertThat(b.id())
                            .as("the id of its established connections")
                            .isEqualTo(endingId);
                    assertThat(b.pod()).isEqualTo("demo/b2");
                });
        assertThat(lb.frontends().get(0).backendIds())
                .as("new connections go to the live pod only")
                .containsExactly(before.backends().stream()
                        .filter(b -> b.address().equals("10.0.1.5"))
                        .findFirst()
                        .orElseThrow()
                        .id());
        assertThat(lb.conditions()).isEmpty();

        ServiceLb allEnding = maps(svc, List.of(terminating));
        assertThat(allEnding.frontends().get(0).backendIds()).isEmpty();
        assertThat(allEnding.conditions()).containsExactly("every endpoint the selector matches is terminating");
    }
}
