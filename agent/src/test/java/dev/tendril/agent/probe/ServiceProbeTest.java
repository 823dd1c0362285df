package dev.tendril.agent.probe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.api.v1.LbBackend;
import dev.tendril.api.v1.LbFrontend;
import dev.tendril.api.v1.ServiceMaps;
import dev.tendril.datapath.lb.LbFlags;
import dev.tendril.datapath.policymap.IpProtocol;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Model probes to Service frontends: translated by the source node's model socket-LB over its LB maps, policy
 * decided for the backend chosen (Cilium's policy after translation), a frontend without backends refused.
 */
class ServiceProbeTest {

    final TwoNodeCluster.SimNode node1 = new TwoNodeCluster(
                    Map.of(
                            "shop/api",
                            service(
                                            "api",
                                            frontend("10.96.0.20", 80, 1, 0, 1),
                                            frontend("0.0.0.0", 30080, 2, LbFlags.NODEPORT, 1))
                                    .addBackends(backend(1, 8080))
                                    .build(),
                            "shop/api-admin",
                            service("api-admin", frontend("10.96.0.21", 80, 3, 0, 2))
                                    .addBackends(backend(2, 9090))
                                    .build(),
                            "shop/empty",
                            service("empty", frontend("10.96.0.22", 80, 4, 0)).build()),
                    Clock.systemUTC())
            .node1;

    @Test
    void aClusterIpIsTranslatedToTheBackendAndPolicyAppliesToTheBackend() {
        ProbeResponse r = node1.prober
                .probe(new ProbeRequest("shop/web", "10.96.0.20", 80, "TCP"), false)
                .response();

        assertThat(r.verdict()).isEqualTo("FORWARDED");
        assertThat(r.to().endpoint()).isEqualTo("shop/api");
        assertThat(r.to().ip()).isEqualTo("10.0.2.10");
        assertThat(r.ingress().matchType()).isEqualTo("L3-L4");
        assertThat(r.service().service()).isEqualTo("shop/api");
        assertThat(r.service().frontend()).isEqualTo("10.96.0.20:80/TCP");
        assertThat(r.service().backend()).isEqualTo("10.0.2.10:8080/TCP");
        assertThat(r.service().backendId()).isEqualTo(1);
        assertThat(r.service().slot()).isEqualTo(1);
    }

    @Test
    void aServiceWhoseBackendPortPolicyDoesNotAllowIsDroppedNamingThePolicy() {
        ProbeResponse r = node1.prober
                .probe(new ProbeRequest("shop/web", "10.96.0.21", 80, "TCP"), false)
                .response();

        assertThat(r.verdict()).isEqualTo("DROPPED");
        assertThat(r.service().service()).isEqualTo("shop/api-admin");
        assertThat(r.ingress().dropReasonCode()).isEqualTo(133);
        assertThat(r.ingress().policies()).containsExactly("NetworkPolicy/shop/api-allow-web");
    }

    @Test
    void aFrontendWithoutBackendsIsDroppedWith158() {
        ProbeResponse r = node1.prober
                .probe(new ProbeRequest("shop/web", "10.96.0.22", 80, "TCP"), false)
                .response();

        assertThat(r.verdict()).isEqualTo("DROPPED");
        assertThat(r.egress().dropReasonCode()).isEqualTo(158);
        assertThat(r.egress().dropReason()).isEqualTo("SERVICE_BACKEND_NOT_FOUND");
        assertThat(r.ingress()).isNull();
        assertThat(r.service().service()).isEqualTo("shop/empty");
        assertThat(r.service().backend()).isNull();
    }

    @Test
    void aNodePortAnswersOnANodeAddressThroughTheSurrogate() {
        ProbeResponse r = node1.prober
                .probe(new ProbeRequest("shop/web", "192.168.0.12", 30080, "TCP"), false)
                .response();

        assertThat(r.service().frontend()).isEqualTo("0.0.0.0:30080/TCP");
        assertThat(r.service().frontendIp()).isEqualTo("192.168.0.12");
        assertThat(r.to().endpoint()).isEqualTo("shop/api");
        assertThat(r.verdict()).isEqualTo("FORWARDED");
    }

    @Test
    void anAddressThatIsNoFrontendIsProbedAsBefore() {
        ProbeResponse r = node1.prober
                .probe(new ProbeRequest("shop/web", "10.0.2.10", 8080, "TCP"), false)
                .response();

        assertThat(r.service()).isNull();
        assertThat(r.verdict()).isEqualTo("FORWARDED");
    }

    private static ServiceMaps.Builder service(String name, LbFrontend... frontends) {
        ServiceMaps.Builder b = ServiceMaps.newBuilder()
                .setNamespace("shop")
                .setName(name)
                .setRevision(1)
                .setType("ClusterIP");
        for (LbFrontend f : frontends) {
            b.addFrontends(f);
        }
        return b;
    }

    private static LbFrontend frontend(String address, int port, int revNat, int flags, int... ids) {
        LbFrontend.Builder f = LbFrontend.newBuilder()
                .setAddress(address)
                .setPort(port)
                .setProtocol(IpProtocol.TCP)
                .setRevNatIndex(revNat)
                .setFlags(flags);
        for (int id : ids) {
            f.addBackendIds(id);
        }
        return f.build();
    }

    private static LbBackend backend(int id, int port) {
        return LbBackend.newBuilder()
                .setId(id)
                .setAddress("10.0.2.10")
                .setPort(port)
                .setProtocol(IpProtocol.TCP)
                .setNode("node-2")
                .setPod("shop/api")
                .build();
    }
}
