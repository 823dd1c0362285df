package dev.tendril.policy.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.MeshPeer;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.policy.app.PolicyRuntime;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Remote identities in policy: two ClusterMesh peers' replicated identities are written here as MirrorMaker 2
 * writes them ({@code <peer>.tendril.identities}) and the peers listed in tendril.mesh.peers. A
 * {@code fromEndpoints} selector with {@code io.cilium.k8s.policy.cluster} selects only that cluster's
 * identity; one without it selects the local and every remote one (Cilium's semantics).
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeIdentityService.class)
class ClusterMeshPolicyTest {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final String PEERS = "tendril.mesh.peers";

    @Inject
    PolicyRuntime runtime;

    @Test
    void selectorsSelectRemoteIdentitiesByClusterAndLabels() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String ns = "mesh-" + run;
        String west = "west-" + run;
        String east = "east-" + run;
        long web = TestTopics.freshIdentity();
        long westOnly = web + 1;
        long anyCluster = web + 2;
        int offset = ThreadLocalRandom.current().nextInt(1_000, 60_000);
        long westWeb = (2L << 16) + offset;
        long eastWeb = (3L << 16) + offset;
        long strayInWestRange = (4L << 16) + offset;

        TestTopics.identity(TestTopics.podIdentity(web, ns, "x"));
        TestTopics.identity(TestTopics.podIdentity(westOnly, ns, "db-west"));
        TestTopics.identity(TestTopics.podIdentity(anyCluster, ns, "db-any"));
        TestTopics.endpoint(TestTopics.endpoint(ns, "db-west-0", westOnly, "db-west"));
        TestTopics.endpoint(TestTopics.endpoint(ns, "db-any-0", anyCluster, "db-any"));
        // Replicated from the peers before they are listed here, as MirrorMaker 2 would have.
        remoteIdentity(west, westWeb, ns);
        remoteIdentity(east, eastWeb, ns);
        // Outside west's range (cluster 2): a peer may not publish another cluster's identities.
        remoteIdentity(west, strayInWestRange, ns);
        TestTopics.send(PEERS, west, peer(west, 2));
        TestTopics.send(PEERS, east, peer(east, 3));

        String policies = """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata:
                  name: from-west
                  namespace: %1$s
                spec:
                  endpointSelector:
                    matchLabels:
                      app: db-west
                  ingress:
                  - fromEndpoints:
                    - matchLabels:
                        app: x
                        io.cilium.k8s.policy.cluster: %2$s
                    toPorts:
                    - ports:
                      - port: "5432"
                ---
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata:
                  name: from-any-cluster
                  namespace: %1$s
                spec:
                  endpointSelector:
                    matchLabels:
                      app: db-any
                  ingress:
                  - fromEndpoints:
                    - matchLabels:
                        app: x
                    toPorts:
                    - ports:
                      - port: "5432"
                """.formatted(ns, west);
        given().contentType("application/yaml")
                .body(policies.getBytes(StandardCharsets.UTF_8))
                .put("/v1/policies")
                .then()
                .statusCode(200);

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(ingressPeers(westOnly)).containsExactly(westWeb);
            assertThat(ingressPeers(anyCluster)).containsExactlyInAnyOrder(web, westWeb, eastWeb);
        });
        boolean strayKnown =
                runtime.read(v -> v.engine().identity(strayInWestRange).isPresent());
        assertThat(strayKnown).isFalse();
        // A peer's identity owns no endpoint here: no policy map is published for it.
        boolean remoteIsSubject = runtime.read(v -> v.engine().subject(westWeb).isPresent());
        assertThat(remoteIsSubject).isFalse();

        trace("{\"from\":{\"identity\":" + westWeb + "},\"to\":{\"namespace\":\"" + ns
                        + "\",\"pod\":\"db-west-0\"},\"port\":5432}")
                .body("verdict", equalTo("ALLOWED"))
                .body("ingress.policies[0]", equalTo("CiliumNetworkPolicy/" + ns + "/from-west"));
        trace("{\"from\":{\"identity\":" + eastWeb + "},\"to\":{\"namespace\":\"" + ns
                        + "\",\"pod\":\"db-west-0\"},\"port\":5432}")
                .body("verdict", equalTo("DROPPED"));

        // What tendril get identities adds to the identity service's list.
        given().queryParam("label", "k8s:io.kubernetes.pod.namespace=" + ns)
                .get("/v1/clustermesh/identities")
                .then()
                .statusCode(200)
                .body("find { it.id == " + westWeb + " }.cluster", equalTo(west))
                .body("find { it.id == " + eastWeb + " }.cluster", equalTo(east))
                .body("size()", equalTo(2));

        // Disconnecting east withdraws its identity from every selection.
        TestTopics.send(PEERS, east, null);
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(ingressPeers(anyCluster)).containsExactlyInAnyOrder(web, westWeb));
        TestTopics.send(PEERS, west, null);
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(ingressPeers(anyCluster)).containsExactly(web));
    }

    /** The remote identities the subject's published policy map names on ingress. */
    private static Set<Long> ingressPeers(long subject) {
        SubjectPolicyMap published = TestTopics.latest(subject);
        if (published == null) {
            return Set.of();
        }
        return published.getEntriesList().stream()
                .map(e -> PolicyMapKey.decode(e.getKey().toByteArray()))
                .filter(k -> k.direction() == dev.tendril.datapath.policymap.Direction.INGRESS && k.identity() > 255)
                .map(PolicyMapKey::identity)
                .collect(Collectors.toSet());
    }

    private static void remoteIdentity(String cluster, long id, String ns) {
        Identity identity = Identity.newBuilder()
                .setId((int) id)
                .addLabels(TestTopics.label("k8s", "app", "x"))
                .addLabels(TestTopics.label("k8s", "io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name", ns))
                .addLabels(TestTopics.label("k8s", "io.cilium.k8s.policy.cluster", cluster))
                .addLabels(TestTopics.label("k8s", "io.kubernetes.pod.namespace", ns))
                .build();
        TestTopics.send(cluster + "." + TestTopics.IDENTITIES, Long.toString(id), identity.toByteArray());
    }

    private static byte[] peer(String name, int clusterId) {
        return MeshPeer.newBuilder()
                .setName(name)
                .setClusterId(clusterId)
                .setConnectedAtUnixMs(System.currentTimeMillis())
                .build()
                .toByteArray();
    }

    private static ValidatableResponse trace(String body) {
        return given().contentType("application/json")
                .body(body)
                .post("/v1/trace")
                .then()
                .statusCode(200);
    }
}
