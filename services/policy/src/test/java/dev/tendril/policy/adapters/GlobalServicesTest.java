package dev.tendril.policy.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.tendril.api.v1.LbBackend;
import dev.tendril.api.v1.LbFrontend;
import dev.tendril.api.v1.MeshPeer;
import dev.tendril.api.v1.ServiceMaps;
import dev.tendril.policy.adapters.identity.CidrIdentities;
import dev.tendril.policy.app.PolicyRuntime;
import dev.tendril.policy.lb.ServiceLb;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Global Services across a ClusterMesh (docs/clustermesh.md, "Global Services"): a peer's Service is written to
 * {@code <peer>.tendril.services} as MirrorMaker 2 writes it, the peer listed in tendril.mesh.peers; the local
 * global Service's published record gets the peer's backends, keeps them while the peer is quiet and loses them
 * when the peer is disconnected.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeIdentityService.class)
class GlobalServicesTest {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final String PEERS = "tendril.mesh.peers";
    static final String SERVICES = "tendril.services";

    @Inject
    PolicyRuntime runtime;

    @Inject
    PolicyServiceConfig config;

    @Inject
    CidrIdentities cidrIdentities;

    private static String service(String ns, String annotations) {
        return """
                apiVersion: v1
                kind: Service
                metadata:
                  name: web
                  namespace: %s
                  annotations: {%s}
                spec:
                  selector: {app: web}
                  ports:
                  - {name: http, port: 80, targetPort: 8080}
                """.formatted(ns, annotations);
    }

    private static ValidatableResponse put(String yaml) {
        return given().contentType("application/yaml")
                .body(yaml.getBytes(StandardCharsets.UTF_8))
                .put("/v1/services")
                .then();
    }

    private static void localPod(String ns, String pod, String ip) {
        long identity = TestTopics.freshIdentity();
        TestTopics.identity(TestTopics.podIdentity(identity, ns, "web"));
        TestTopics.endpoint(TestTopics.endpoint(ns, pod, identity, "web").toBuilder()
                .setIpv4(ip)
                .build());
    }

    /** The peer's Service as its policy service publishes it: one own backend and one it merged from elsewhere. */
    private static byte[] peerService(String ns, String ownAddress, boolean shared) {
        return ServiceMaps.newBuilder()
                .setNamespace(ns)
                .setName("web")
                .setRevision(7)
                .setType("ClusterIP")
                .setGlobal(true)
                .setShared(shared)
                .addFrontends(LbFrontend.newBuilder()
                        .setAddress("10.96.0.1")
                        .setPort(80)
                        .setProtocol(6)
                        .setPortName("http")
                        .setRevNatIndex(1)
                        .addBackendIds(1)
                        .addBackendIds(2))
                .addBackends(LbBackend.newBuilder()
                        .setId(1)
                        .setAddress(ownAddress)
                        .setPort(8080)
                        .setProtocol(6)
                        // The peer's node of the same name as the local pod's node.
                        .setNode("node-1")
                        .setPod(ns + "/web-west-0")
                        .addPortNames("http"))
                .addBackends(LbBackend.newBuilder()
                        .setId(2)
                        .setAddress("10.250.0.9")
                        .setPort(8080)
                        .setProtocol(6)
                        .setCluster("elsewhere")
                        .setClusterId(9)
                        .addPortNames("http"))
                .build()
                .toByteArray();
    }

    private static byte[] peer(String name, int clusterId) {
        return MeshPeer.newBuilder()
                .setName(name)
                .setClusterId(clusterId)
                .setConnectedAtUnixMs(System.currentTimeMillis())
                .build()
                .toByteArray();
    }

    /** The published record's slots of its first frontend, as {@code address@cluster} ("" local). */
    private static List<String> slots(ServiceMaps published) {
        if (published == null || published.getFrontendsCount() == 0) {
            return List.of();
        }
        Map<Integer, LbBackend> byId =
                published.getBackendsList().stream().collect(Collectors.toMap(LbBackend::getId, b -> b));
        return published.getFrontends(0).getBackendIdsList().stream()
                .map(id -> byId.get(id).getAddress() + "@" + byId.get(id).getCluster())
                .toList();
    }

    private static String ip() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "10.%d.%d.%d".formatted(r.nextInt(1, 90), r.nextInt(0, 255), r.nextInt(1, 250));
    }

    @Test
    void aGlobalServiceGetsThePeersBackendsKeepsThemWhileThePeerIsQuietAndLosesThemOnDisconnect() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String ns = "glob-" + run;
        String west = "west-" + run;
        String local = ip();
        String remote = "10.200." + ThreadLocalRandom.current().nextInt(0, 255) + ".5";
        String key = ns + "/web";
        localPod(ns, "web-0", local);
        put(service(ns, "service.cilium.io/global: \"true\"")).statusCode(200);

        TestTopics.send(west + "." + SERVICES, key, peerService(ns, remote, true));
        TestTopics.send(PEERS, west, peer(west, 2));

        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(slots(ServicesTest.latest(SERVICES, key)))
                        .containsExactlyInAnyOrder(local + "@", remote + "@" + west));
        ServiceMaps published = ServicesTest.latest(SERVICES, key);
        assertThat(published.getGlobal()).isTrue();
        assertThat(published.getShared()).isTrue();
        LbBackend fromWest = published.getBackendsList().stream()
                .filter(b -> b.getAddress().equals(remote))
                .findFirst()
                .orElseThrow();
        assertThat(fromWest.getClusterId()).isEqualTo(2);
        assertThat(fromWest.getNode()).isEqualTo("node-1");
        assertThat(fromWest.getPortNamesList()).containsExactly("http");
        given().get("/v1/services/" + key)
                .then()
                .statusCode(200)
                .body("clusterMesh.global", equalTo(true))
                .body("backends.find { it.address == '" + remote + "' }.cluster", equalTo(west));

        // A trace to the ClusterIP answers for the remote backend without claiming its policy.
        given().contentType("application/json")
                .body("""
                        {"from": {"namespace": "%s", "pod": "web-0"}, "to": {"address": "%s"}, "port": 80}""".formatted(ns, published.getFrontends(0).getAddress()))
                .post("/v1/trace")
                .then()
                .statusCode(200)
                .body("service", equalTo(key))
                // The local backend is allowed and the remote one cannot be traced here: unknown, not dropped.
                .body("verdict", equalTo("UNKNOWN"))
                .body("backends.find { it.address == '" + local + "' }.verdict", equalTo("ALLOWED"))
                .body("backends.find { it.address == '" + remote + "' }.verdict", equalTo("UNKNOWN"))
                .body("backends.find { it.address == '" + remote + "' }.reason", containsString(west));

        // A replica rebuilding from the events and the topics (a restart, a new leader) gives the peer's backend
        // the same id.
        ServiceLb before = runtime.services().read(v -> v.maps().get(key));
        String topic = "tendril.policy.glob-replica-" + run;
        try (PolicyReplica replica = new PolicyReplica(config, topic, cidrIdentities)) {
            await().atMost(WAIT).untilAsserted(() -> {
                ServiceLb rebuilt =
                        replica.runtime.services().read(v -> v.maps().get(key));
                assertThat(rebuilt).isEqualTo(before);
            });
        }

        // The peer goes quiet: nothing more arrives from it; a local change keeps its backends in place.
        String second = ip();
        localPod(ns, "web-1", second);
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(slots(ServicesTest.latest(SERVICES, key)))
                        .containsExactlyInAnyOrder(local + "@", second + "@", remote + "@" + west));

        // The peer stops sharing: its backends leave; sharing again brings them back.
        TestTopics.send(west + "." + SERVICES, key, peerService(ns, remote, false));
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(slots(ServicesTest.latest(SERVICES, key)))
                        .containsExactlyInAnyOrder(local + "@", second + "@"));
        TestTopics.send(west + "." + SERVICES, key, peerService(ns, remote, true));
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(slots(ServicesTest.latest(SERVICES, key)))
                        .containsExactlyInAnyOrder(local + "@", second + "@", remote + "@" + west));

        // Disconnect: the peer's backends leave the Service.
        TestTopics.send(PEERS, west, null);
        await().atMost(WAIT).untilAsserted(() -> {
            ServiceMaps now = ServicesTest.latest(SERVICES, key);
            assertThat(slots(now)).containsExactlyInAnyOrder(local + "@", second + "@");
            assertThat(now.getBackendsList()).extracting(LbBackend::getCluster).containsOnly("");
        });
    }

    @Test
    void localAffinityKeepsThePeersBackendsOutOfTheSlotsWhileALocalOneIsActive() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String ns = "glob-" + run;
        String east = "east-" + run;
        String remote = "10.201." + ThreadLocalRandom.current().nextInt(0, 255) + ".5";
        String key = ns + "/web";
        put(service(ns, "service.cilium.io/global: \"true\", service.cilium.io/affinity: local"))
                .statusCode(200)
                .body("services[0].clusterMesh.affinity", equalTo("local"));
        TestTopics.send(east + "." + SERVICES, key, peerService(ns, remote, true));
        TestTopics.send(PEERS, east, peer(east, 3));

        await().atMost(WAIT)
                .untilAsserted(() ->
                        assertThat(slots(ServicesTest.latest(SERVICES, key))).containsExactly(remote + "@" + east));
        String local = ip();
        localPod(ns, "web-0", local);
        await().atMost(WAIT)
                .untilAsserted(() ->
                        assertThat(slots(ServicesTest.latest(SERVICES, key))).containsExactly(local + "@"));
        assertThat(ServicesTest.latest(SERVICES, key).getAffinity()).isEqualTo("local");
        TestTopics.send(PEERS, east, null);
    }

    @Test
    void badClusterMeshAnnotationsAreRefusedNamingTheAnnotation() {
        String ns = "glob-" + UUID.randomUUID().toString().substring(0, 8);

        put(service(ns, "service.cilium.io/global: \"true\", service.cilium.io/affinity: nearest"))
                .statusCode(422)
                .body("field", equalTo("metadata.annotations[service.cilium.io/affinity]"))
                .body("detail", containsString("local, remote or none"));
        put(service(ns, "service.cilium.io/global: \"yes\""))
                .statusCode(422)
                .body("field", equalTo("metadata.annotations[service.cilium.io/global]"));
        put(service(ns, "service.cilium.io/shared: \"maybe\""))
                .statusCode(422)
                .body("field", equalTo("metadata.annotations[service.cilium.io/shared]"));

        given().get("/v1/services/" + ns + "/web").then().statusCode(404);
        assertThat(ServicesTest.records(SERVICES, ns + "/web")).isEmpty();
    }
}
