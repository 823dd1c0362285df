package dev.tendril.policy.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.tendril.api.v1.LbBackend;
import dev.tendril.api.v1.LbFrontend;
import dev.tendril.api.v1.ServiceMaps;
import dev.tendril.policy.adapters.identity.CidrIdentities;
import dev.tendril.policy.app.PolicyRuntime;
import dev.tendril.policy.lb.ServiceLb;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * Services end to end with real PostgreSQL and Kafka: a selector Service over registered endpoints is
 * published to tendril.services with the resolved target ports, follows the endpoints, refuses bad input
 * without an event or a record, and a second replica rebuilds the same ids from the events.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeIdentityService.class)
class ServicesTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String SERVICES = "tendril.services";

    @Inject
    PolicyRuntime runtime;

    @Inject
    PolicyServiceConfig config;

    @Inject
    CidrIdentities cidrIdentities;

    static String ns() {
        return "svc-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String webService(String ns) {
        return """
                apiVersion: v1
                kind: Service
                metadata: {name: web, namespace: %s}
                spec:
                  type: NodePort
                  selector: {app: web}
                  sessionAffinity: ClientIP
                  ports:
                  - {name: http, port: 80, targetPort: http}
                """.formatted(ns);
    }

    private static io.restassured.response.ValidatableResponse put(String yaml) {
        return given().contentType("application/yaml")
                .body(yaml.getBytes(StandardCharsets.UTF_8))
                .put("/v1/services")
                .then();
    }

    private static void pod(String ns, String pod, String ip, int httpPort) {
        pod(ns, pod, "web", ip, httpPort);
    }

    private static void pod(String ns, String pod, String app, String ip, int httpPort) {
        long identity = TestTopics.freshIdentity();
        TestTopics.identity(TestTopics.podIdentity(identity, ns, app));
        TestTopics.endpoint(
                TestTopics.endpoint(ns, pod, identity, app, TestTopics.namedPort("http", httpPort, "TCP")).toBuilder()
                        .setIpv4(ip)
                        .build());
    }

    static List<ServiceMaps> records(String topic, String key) {
        List<ServiceMaps> out = new ArrayList<>();
        for (byte[] value : TestTopics.read(topic).getOrDefault(key, List.of())) {
            try {
                out.add(value == null ? null : ServiceMaps.parseFrom(value));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    static ServiceMaps latest(String topic, String key) {
        List<ServiceMaps> all = records(topic, key);
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    private static String ip() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "10.%d.%d.%d".formatted(r.nextInt(1, 90), r.nextInt(0, 255), r.nextInt(1, 250));
    }

    @Test
    void aSelectorServiceIsPublishedWithTheResolvedTargetPortsAndFollowsItsEndpoints() {
        String ns = ns();
        String a = ip();
        String b = ip();
        put(webService(ns)).statusCode(200).body("services[0].name", equalTo("web"));
        pod(ns, "web-0", a, 8080);
        pod(ns, "web-1", b, 9090);

        await().atMost(WAIT).untilAsserted(() -> {
            ServiceMaps published = latest(SERVICES, ns + "/web");
            assertThat(published).isNotNull();
            assertThat(published.getBackendsList())
                    .extracting(be -> be.getAddress() + ":" + be.getPort() + "/" + be.getPod())
                    .containsExactlyInAnyOrder(a + ":8080/" + ns + "/web-0", b + ":9090/" + ns + "/web-1");
            LbFrontend clusterIp = published.getFrontends(0);
            assertThat(clusterIp.getPort()).isEqualTo(80);
            assertThat(clusterIp.getProtocol()).isEqualTo(6);
            assertThat(clusterIp.getAffinityTimeoutSeconds()).isEqualTo(10800);
            assertThat(clusterIp.getBackendIdsCount()).isEqualTo(2);
            assertThat(clusterIp.getRevNatIndex()).isPositive();
            LbFrontend nodePort = published.getFrontends(1);
            assertThat(nodePort.getAddress()).isEqualTo("0.0.0.0");
            assertThat(nodePort.getFlags() & 0x02).isEqualTo(0x02);
        });
        given().get("/v1/services/" + ns + "/web")
                .then()
                .statusCode(200)
                .body("backends.port", hasItem(9090))
                .body("ports[0].targetPort", equalTo("http"));
        given().get("/v1/endpointslices?namespace=" + ns)
                .then()
                .statusCode(200)
                .body("name", hasItem("web-tendril"))
                .body("managedBy", hasItem("endpointslice-controller.tendril.dev"));
        long idOfA = latest(SERVICES, ns + "/web").getBackendsList().stream()
                .filter(be -> be.getAddress().equals(a))
                .findFirst()
                .orElseThrow()
                .getId();

        TestTopics.send(TestTopics.ENDPOINTS, ns + "/web-1", null);

        await().atMost(WAIT).untilAsserted(() -> {
            ServiceMaps published = latest(SERVICES, ns + "/web");
            assertThat(published.getBackendsList())
                    .extracting(LbBackend::getAddress)
                    .containsExactly(a);
            assertThat(published.getBackends(0).getId()).isEqualTo(idOfA);
            assertThat(published.getFrontends(0).getBackendIdsList()).containsExactly((int) idOfA);
        });

        given().delete("/v1/services/" + ns + "/web").then().statusCode(200);
        await().atMost(WAIT).untilAsserted(() -> {
            List<ServiceMaps> all = records(SERVICES, ns + "/web");
            assertThat(all.get(all.size() - 1)).isNull();
        });
    }

    /**
     * A pod deleted with a grace period: its backend stays (state terminating, same id) for the connections it
     * has, no frontend slot names it, the controller's slice shows it terminating; it goes with its endpoint.
     */
    @Test
    void aTerminatingEndpointTakesNoNewConnectionsAndShowsTerminatingInItsSlice() {
        String ns = ns();
        String a = ip();
        String b = ip();
        put(webService(ns)).statusCode(200);
        pod(ns, "web-0", a, 8080);
        pod(ns, "web-1", b, 8080);
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(
                                latest(SERVICES, ns + "/web").getFrontends(0).getBackendIdsCount())
                        .isEqualTo(2));
        ServiceMaps before = latest(SERVICES, ns + "/web");
        int idOfB = before.getBackendsList().stream()
                .filter(be -> be.getAddress().equals(b))
                .findFirst()
                .orElseThrow()
                .getId();

        long identity = TestTopics.freshIdentity();
        TestTopics.identity(TestTopics.podIdentity(identity, ns, "web"));
        TestTopics.endpoint(
                TestTopics.endpoint(ns, "web-1", identity, "web", TestTopics.namedPort("http", 8080, "TCP")).toBuilder()
                        .setIpv4(b)
                        .setTerminating(true)
                        .build());

        await().atMost(WAIT).untilAsserted(() -> {
            ServiceMaps published = latest(SERVICES, ns + "/web");
            assertThat(published.getBackendsList())
                    .extracting(be -> be.getAddress() + "/" + be.getState())
                    .containsExactlyInAnyOrder(a + "/0", b + "/1");
            assertThat(published.getBackendsList())
                    .filteredOn(be -> be.getAddress().equals(b))
                    .singleElement()
                    .satisfies(be -> assertThat(be.getId()).isEqualTo(idOfB));
            for (LbFrontend frontend : published.getFrontendsList()) {
                assertThat(frontend.getBackendIdsList()).hasSize(1).doesNotContain(idOfB);
            }
        });
        given().get("/v1/endpointslices?namespace=" + ns)
                .then()
                .statusCode(200)
                .body(
                        "find { it.name == 'web-tendril' }.endpoints.find { it.targetRef == '%s/web-1' }.ready"
                                .formatted(ns),
                        equalTo(false))
                .body(
                        "find { it.name == 'web-tendril' }.endpoints.find { it.targetRef == '%s/web-1' }.serving"
                                .formatted(ns),
                        equalTo(true))
                .body(
                        "find { it.name == 'web-tendril' }.endpoints.find { it.targetRef == '%s/web-1' }.terminating"
                                .formatted(ns),
                        equalTo(true))
                .body(
                        "find { it.name == 'web-tendril' }.endpoints.find { it.targetRef == '%s/web-0' }.ready"
                                .formatted(ns),
                        equalTo(true));
        given().get("/v1/services/" + ns + "/web")
                .then()
                .statusCode(200)
                .body("backends.address", org.hamcrest.Matchers.contains(a));

        TestTopics.send(TestTopics.ENDPOINTS, ns + "/web-1", null);
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(latest(SERVICES, ns + "/web").getBackendsList())
                        .extracting(LbBackend::getAddress)
                        .containsExactly(a));
    }

    @Test
    void badInputIsRefusedNamingTheFieldAndChangesNothing() {
        String ns = ns();
        String clusterIp = "10.97.%d.%d"
                .formatted(
                        ThreadLocalRandom.current().nextInt(0, 255),
                        ThreadLocalRandom.current().nextInt(1, 250));
        put(webService(ns).replace("type: NodePort", "type: LoadBalancer"))
                .statusCode(422)
                .body("field", equalTo("spec.type"));
        put(webService(ns)
                        .replace("type: NodePort", "type: ClusterIP")
                        .replace("selector:", "clusterIP: 10.0.0.1\n  selector:"))
                .statusCode(422)
                .body("field", equalTo("spec.clusterIP"));
        put(webService(ns)
                        .replace("name: web,", "name: first,")
                        .replace("selector:", "clusterIP: " + clusterIp + "\n  selector:"))
                .statusCode(200);
        put(webService(ns).replace("selector:", "clusterIP: " + clusterIp + "\n  selector:"))
                .statusCode(409)
                .body("field", equalTo("spec.clusterIP"));
        put(webService(ns).replace("port: 80, targetPort: http}", "port: 80, targetPort: http, nodePort: 29000}"))
                .statusCode(409)
                .body("field", equalTo("spec.ports[0].nodePort"));
        put("""
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata:
                  name: web-1
                  namespace: %s
                  labels: {kubernetes.io/service-name: web}
                addressType: IPv4
                ports: [{name: http, port: 8080}]
                endpoints: [{addresses: [10.1.1.1]}]
                """.formatted(ns)).statusCode(422).body("field", equalTo("metadata.labels[kubernetes.io/service-name]"));
        // Refused as one: the good Service of the same request is not stored either.
        put(webService(ns) + "---\n"
                        + webService(ns)
                                .replace("name: web,", "name: other,")
                                .replace("type: NodePort", "type: ExternalName"))
                .statusCode(422);

        given().contentType("application/yaml")
                .body(webService(ns).getBytes(StandardCharsets.UTF_8))
                .put("/v1/services?dryRun=true")
                .then()
                .statusCode(200)
                .body("dryRun", equalTo(true))
                .body("services[0].clusterIPs.size()", equalTo(1));

        given().get("/v1/services/" + ns + "/web").then().statusCode(404);
        given().get("/v1/history?kind=Service&namespace=" + ns + "&name=web")
                .then()
                .statusCode(200)
                .body("changes.size()", equalTo(0));
        assertThat(records(SERVICES, ns + "/web")).isEmpty();
    }

    @Test
    void aSecondReplicaRebuildsTheSameIdsFromTheEvents() {
        String ns = ns();
        put(webService(ns)).statusCode(200);
        pod(ns, "web-0", ip(), 8080);
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(latest(SERVICES, ns + "/web"))
                        .isNotNull()
                        .satisfies(m -> assertThat(m.getBackendsCount()).isEqualTo(1)));
        ServiceLb before = runtime.services().read(v -> v.maps().get(ns + "/web"));

        String topic =
                "tendril.policy.svc-replica-" + UUID.randomUUID().toString().substring(0, 8);
        try (PolicyReplica replica = new PolicyReplica(config, topic, cidrIdentities)) {
            await().atMost(WAIT).untilAsserted(() -> {
                ServiceLb rebuilt =
                        replica.runtime.services().read(v -> v.maps().get(ns + "/web"));
                assertThat(rebuilt).isEqualTo(before);
            });
        }
    }

    @Test
    void aTraceToAClusterIpNamesTheServiceAndGivesThePolicyVerdictPerBackend() {
        String ns = ns();
        String web = ip();
        put(webService(ns)).statusCode(200);
        pod(ns, "web-0", web, 8080);
        pod(ns, "client-0", "client", ip(), 1);
        given().contentType("application/yaml")
                .body("""
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: web-ingress, namespace: %s}
                        spec:
                          podSelector: {matchLabels: {app: web}}
                          policyTypes: [Ingress]
                        """.formatted(ns).getBytes(StandardCharsets.UTF_8))
                .put("/v1/policies")
                .then()
                .statusCode(200);
        String clusterIp =
                given().get("/v1/services/" + ns + "/web").then().extract().path("clusterIPs[0]");
        String body = """
                {"from": {"namespace": "%s", "pod": "client-0"}, "to": {"address": "%s"}, "port": 80}
                """.formatted(ns, clusterIp);

        await().atMost(WAIT)
                .untilAsserted(() -> given().contentType("application/json")
                        .body(body)
                        .post("/v1/trace")
                        .then()
                        .statusCode(200)
                        .body("service", equalTo(ns + "/web"))
                        .body("verdict", equalTo("DROPPED"))
                        .body("backends[0].address", equalTo(web))
                        .body("backends[0].port", equalTo(8080))
                        .body("backends[0].verdict", equalTo("DROPPED")));
    }
}
