package dev.tendril.policy.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.policy.lb.LbCommand.ApplyService;
import dev.tendril.policy.lb.LbCommand.ApplySlice;
import dev.tendril.policy.lb.LbCommand.DeleteService;
import dev.tendril.policy.lb.LbEvent.BackendsAllocated;
import dev.tendril.policy.lb.LbEvent.ServiceApplied;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LbDeciderTest {

    private final LbDecider decider = new LbDecider(LbSettings.defaults());
    private final LbState state = new LbState();
    private long revision;

    static ServiceSpec service(String name, String type, List<String> ips, List<ServicePort> ports) {
        return new ServiceSpec(
                "demo", name, type, ips, ports, Map.of("app", name), "None", 0, "Cluster", "Cluster", List.of(), "");
    }

    static ServicePort tcp(int port, int nodePort) {
        return new ServicePort("p" + port, "TCP", port, TargetPort.of(port), nodePort);
    }

    private ServiceApplied apply(ServiceSpec spec) {
        List<LbEvent> events = decider.decide(new ApplyService(spec), state, ++revision);
        events.forEach(state::evolve);
        return state.service(spec.key()).orElseThrow();
    }

    private void rejected(LbCommand command, int status, String field) {
        assertThatThrownBy(() -> decider.decide(command, state, revision + 1))
                .isInstanceOfSatisfying(LbRejected.class, r -> {
                    assertThat(r.status()).isEqualTo(status);
                    assertThat(r.field()).isEqualTo(field);
                });
    }

    @Test
    void allocatesTheLowestFreeClusterIpAndNodePortAndKeepsThemOnUpdate() {
        ServiceApplied a = apply(service("a", "NodePort", List.of(), List.of(tcp(80, 0))));
        ServiceApplied b = apply(service("b", "NodePort", List.of(), List.of(tcp(80, 0))));

        assertThat(a.service().clusterIPs()).containsExactly("10.96.0.1");
        assertThat(b.service().clusterIPs()).containsExactly("10.96.0.2");
        assertThat(a.service().ports().get(0).nodePort()).isEqualTo(30000);
        assertThat(b.service().ports().get(0).nodePort()).isEqualTo(30001);

        ServiceApplied updated = apply(service("a", "NodePort", List.of(), List.of(tcp(80, 0), tcp(443, 0))));
        assertThat(updated.service().clusterIPs()).containsExactly("10.96.0.1");
        assertThat(updated.service().ports().get(0).nodePort()).isEqualTo(30000);
        assertThat(updated.revNats().stream()
                        .filter(r -> r.port() == 80 && r.address().equals("10.96.0.1")))
                .containsExactlyElementsOf(a.revNats().stream()
                        .filter(r -> r.port() == 80 && r.address().equals("10.96.0.1"))
                        .toList());
    }

    @Test
    void anUnchangedServiceYieldsNoEvent() {
        ServiceSpec spec = service("a", "ClusterIP", List.of(), List.of(tcp(80, 0)));
        apply(spec);
        assertThat(decider.decide(new ApplyService(spec), state, revision + 1)).isEmpty();
    }

    @Test
    void aDeletedServiceFreesItsClusterIpAndNodePort() {
        apply(service("a", "NodePort", List.of(), List.of(tcp(80, 0))));
        decider.decide(new DeleteService("demo", "a"), state, ++revision).forEach(state::evolve);

        ServiceApplied b = apply(service("b", "NodePort", List.of(), List.of(tcp(80, 0))));
        assertThat(b.service().clusterIPs()).containsExactly("10.96.0.1");
        assertThat(b.service().ports().get(0).nodePort()).isEqualTo(30000);
        assertThat(b.revNats()).extracting(LbEvent.RevNat::index).contains(1);
    }

    @Test
    void dualStackAllocatesBothFamilies() {
        ServiceSpec spec = new ServiceSpec(
                "demo",
                "d",
                "ClusterIP",
                List.of(),
                List.of(tcp(80, 0)),
                Map.of(),
                "ClientIP",
                0,
                "Local",
                "Cluster",
                List.of(),
                "PreferDualStack");
        ServiceApplied d = apply(spec);
        assertThat(d.service().clusterIPs()).containsExactly("10.96.0.1", "fd00:10:96::1");
        assertThat(d.service().affinityTimeoutSeconds()).isEqualTo(10800);
        assertThat(d.revNats()).hasSize(2);
    }

    @Test
    void refusesAClusterIpOutsideTheCidr() {
        rejected(
                new ApplyService(service("a", "ClusterIP", List.of("10.0.0.5"), List.of(tcp(80, 0)))),
                422,
                "spec.clusterIP");
    }

    @Test
    void refusesAClusterIpTakenByAnotherService() {
        apply(service("a", "ClusterIP", List.of("10.96.0.10"), List.of(tcp(80, 0))));
        rejected(
                new ApplyService(service("b", "ClusterIP", List.of("10.96.0.10"), List.of(tcp(80, 0)))),
                409,
                "spec.clusterIP");
    }

    @Test
    void refusesAChangedClusterIp() {
        apply(service("a", "ClusterIP", List.of("10.96.0.10"), List.of(tcp(80, 0))));
        rejected(
                new ApplyService(service("a", "ClusterIP", List.of("10.96.0.11"), List.of(tcp(80, 0)))),
                422,
                "spec.clusterIP");
    }

    @Test
    void refusesANodePortOutsideTheRangeOrTaken() {
        rejected(
                new ApplyService(service("a", "NodePort", List.of(), List.of(tcp(80, 0), tcp(81, 29999)))),
                409,
                "spec.ports[1].nodePort");
        apply(service("a", "NodePort", List.of(), List.of(tcp(80, 30080))));
        rejected(
                new ApplyService(service("b", "NodePort", List.of(), List.of(tcp(80, 30080)))),
                409,
                "spec.ports[0].nodePort");
    }

    @Test
    void refusesADuplicatePortAndUnsupportedTypes() {
        rejected(
                new ApplyService(service("a", "ClusterIP", List.of(), List.of(tcp(80, 0), tcp(80, 0)))),
                422,
                "spec.ports[1]");
        rejected(new ApplyService(service("a", "LoadBalancer", List.of(), List.of(tcp(80, 0)))), 422, "spec.type");
        rejected(new ApplyService(service("a", "ExternalName", List.of(), List.of(tcp(80, 0)))), 422, "spec.type");
    }

    @Test
    void refusesAnEndpointSliceForAnUnknownService() {
        SliceSpec slice = new SliceSpec("demo", "s", "nothing", "IPv4", List.of(), List.of());
        rejected(new ApplySlice(slice), 422, "metadata.labels[kubernetes.io/service-name]");
    }

    @Test
    void refusesDeletingAnUnknownService() {
        rejected(new DeleteService("demo", "nothing"), 404, "metadata.name");
    }

    @Test
    void backendIdsAreSharedByAddressAndStableWhileUsed() {
        BackendKey x = new BackendKey("10.0.1.5", 8080, 6);
        BackendKey y = new BackendKey("10.0.1.6", 8080, 6);
        decider.backends(Set.of(x, y), state, ++revision).forEach(state::evolve);
        long idY = state.backendIds().get(y);

        decider.backends(Set.of(y), state, ++revision).forEach(state::evolve);
        assertThat(state.backendIds()).containsOnlyKeys(y).containsEntry(y, idY);
        assertThat(decider.backends(Set.of(y), state, revision + 1)).isEmpty();

        List<LbEvent> again = decider.backends(Set.of(x, y), state, ++revision);
        assertThat(again)
                .singleElement()
                .isInstanceOfSatisfying(
                        BackendsAllocated.class,
                        a -> assertThat(a.backends())
                                .singleElement()
                                .satisfies(b -> assertThat(b.id()).isNotEqualTo(idY)));
    }
}
