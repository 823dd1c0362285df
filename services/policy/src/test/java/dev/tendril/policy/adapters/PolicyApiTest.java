package dev.tendril.policy.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;

import dev.tendril.policy.adapters.persistence.PolicyStore;
import dev.tendril.policy.app.PolicyRepository;
import dev.tendril.policy.app.PolicyRuntime;
import dev.tendril.policy.domain.PolicyEvent;
import dev.tendril.policy.domain.PolicyRef;
import dev.tendril.policy.domain.StoredPolicy;
import dev.tendril.policy.manifest.Manifests;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The policy REST API against the real database: apply, get, list, delete, dry run and refusals. */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeIdentityService.class)
class PolicyApiTest {

    @Inject
    PolicyRuntime runtime;

    @Inject
    PolicyStore store;

    @Inject
    dev.tendril.eventstore.EventStore eventStore;

    static String ns() {
        return "api-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static String allowWeb(String ns, int port) {
        return """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata:
                  name: allow-web
                  namespace: %s
                spec:
                  podSelector:
                    matchLabels:
                      app: db
                  ingress:
                  - from:
                    - podSelector:
                        matchLabels:
                          app: web
                    ports:
                    - port: %d
                """.formatted(ns, port);
    }

    static String defaultDeny(String ns) {
        return """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata:
                  name: default-deny-ingress
                  namespace: %s
                spec:
                  podSelector: {}
                  policyTypes: [Ingress]
                """.formatted(ns);
    }

    static Response put(String contentType, String body) {
        return given().contentType(contentType)
                .body(body.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .put("/v1/policies");
    }

    @Test
    void appliesYamlDocumentsAtomicallyAndReportsEachResult() {
        String ns = ns();
        Response first = put("application/yaml", allowWeb(ns, 5432) + "---\n" + defaultDeny(ns));
        first.then()
                .statusCode(200)
                .body("policies", hasSize(2))
                .body("policies[0].kind", equalTo("NetworkPolicy"))
                .body("policies[0].namespace", equalTo(ns))
                .body("policies[0].name", equalTo("allow-web"))
                .body("policies[0].result", equalTo("created"))
                .body("policies[1].result", equalTo("created"));
        long revision = first.jsonPath().getLong("revision");
        assertThat(first.jsonPath().getLong("policies[0].revision")).isEqualTo(revision);

        Response again = put("text/yaml", allowWeb(ns, 5432) + "---\n" + defaultDeny(ns));
        again.then().statusCode(200).body("policies.result", contains("unchanged", "unchanged"));
        assertThat(again.jsonPath().getLong("policies[0].revision")).isEqualTo(revision);
        assertThat(store.policyEvents(new PolicyRef("NetworkPolicy", ns, "allow-web")))
                .hasSize(1);

        Response changed = put("application/x-yaml", allowWeb(ns, 5433) + "---\n" + defaultDeny(ns));
        changed.then().statusCode(200).body("policies.result", contains("configured", "unchanged"));
        assertThat(changed.jsonPath().getLong("revision")).isGreaterThan(revision);
        assertThat(changed.jsonPath().getLong("policies[1].revision")).isEqualTo(revision);

        given().get("/v1/policies/networkpolicy/" + ns + "/allow-web")
                .then()
                .statusCode(200)
                .body("kind", equalTo("NetworkPolicy"))
                .body("revision", equalTo((int) changed.jsonPath().getLong("revision")))
                .body("manifest.spec.ingress[0].ports[0].port", equalTo(5433))
                .body("subjects", notNullValue());
        given().queryParam("namespace", ns)
                .get("/v1/policies")
                .then()
                .statusCode(200)
                .body("name", contains("allow-web", "default-deny-ingress"));
        List<PolicyEvent> events = store.policyEvents(new PolicyRef("NetworkPolicy", ns, "allow-web"));
        assertThat(events).hasSize(2).allMatch(e -> e instanceof PolicyEvent.PolicyApplied);
    }

    @Test
    void acceptsJsonObjectsArraysAndLists() {
        String ns = ns();
        String np = """
                {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy",
                 "metadata":{"name":"%s","namespace":"%s"},"spec":{"podSelector":{},"policyTypes":["Egress"]}}""";
        put("application/json", np.formatted("one", ns))
                .then()
                .statusCode(200)
                .body("policies[0].name", equalTo("one"));
        put("application/json", "[" + np.formatted("two", ns) + "," + np.formatted("three", ns) + "]")
                .then()
                .statusCode(200)
                .body("policies.name", contains("two", "three"));
        put(
                        "application/json",
                        "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[" + np.formatted("four", ns) + "]}")
                .then()
                .statusCode(200)
                .body("policies.name", contains("four"));
        put("application/yaml", np.formatted("five", ns) + "\n---\n" + np.formatted("six", ns))
                .then()
                .statusCode(200)
                .body("policies.name", contains("five", "six"));
        given().queryParam("namespace", ns).get("/v1/policies").then().body("name", hasSize(6));
    }

    @Test
    void dryRunValidatesAndReportsWithoutStoring() {
        String ns = ns();
        put("application/yaml", defaultDeny(ns)).then().statusCode(200);
        given().contentType("application/yaml")
                .queryParam("dryRun", "true")
                .body((allowWeb(ns, 80) + "---\n" + defaultDeny(ns)).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .put("/v1/policies")
                .then()
                .statusCode(200)
                .body("dryRun", equalTo(true))
                .body("policies.result", contains("created", "unchanged"));
        given().get("/v1/policies/NetworkPolicy/" + ns + "/allow-web")
                .then()
                .statusCode(404)
                .contentType("application/problem+json");
        assertThat(store.policyEvents(new PolicyRef("NetworkPolicy", ns, "allow-web")))
                .isEmpty();
    }

    @Test
    void rejectsInvalidManifestsNamingDocumentAndFieldAndStoresNothing() {
        String ns = ns();
        String bad = allowWeb(ns, 70000);
        put("application/yaml", defaultDeny(ns) + "---\n" + bad)
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("detail", containsString("spec.ingress[0].ports[0].port"))
                .body("errors[0].document", equalTo(2))
                .body("errors[0].field", equalTo("spec.ingress[0].ports[0].port"))
                .body("errors[0].reason", notNullValue());
        given().queryParam("namespace", ns)
                .get("/v1/policies")
                .then()
                .statusCode(200)
                .body("$", hasSize(0));

        put("application/yaml", "kind: [unclosed").then().statusCode(400).contentType("application/problem+json");
        put("application/yaml", "").then().statusCode(400).body("field", equalTo("body"));
        given().contentType("text/plain")
                .body(defaultDeny(ns).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .put("/v1/policies")
                .then()
                .statusCode(415)
                .contentType("application/problem+json");
        given().queryParam("namespace", ns).get("/v1/policies").then().body("$", hasSize(0));
    }

    @Test
    void refusesWhatKubernetesRefusesNamingTheFieldAndStoresNothing() {
        String ns = ns();
        String noPodSelector = """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: no-selector, namespace: %s}
                spec:
                  ingress: [{from: [{podSelector: {}}]}]
                """.formatted(ns);
        put("application/yaml", noPodSelector)
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("field", equalTo("spec.podSelector"))
                .body("errors[0].reason", containsString("required"));
        String badCidr = """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: bad-cidr, namespace: %s}
                spec:
                  endpointSelector: {}
                  egress: [{toCIDR: ["10.0.0.0/33"]}]
                """.formatted(ns);
        put("application/yaml", badCidr).then().statusCode(400).body("field", equalTo("spec.egress[0].toCIDR[0]"));
        put("application/yaml", allowWeb(ns, 80).replace("- port: 80", "- port: 80\n      endPort: 79"))
                .then()
                .statusCode(400)
                .body("field", equalTo("spec.ingress[0].ports[0].endPort"));
        given().queryParam("namespace", ns)
                .get("/v1/policies")
                .then()
                .statusCode(200)
                .body("$", hasSize(0));
        assertThat(store.policyEvents(new PolicyRef("NetworkPolicy", ns, "no-selector")))
                .isEmpty();
    }

    @Test
    void aWriteWhoseCommitFailsStoresNothingAndLeavesTheEnforcedMapsAsTheyWere() {
        String ns = ns();
        long db = TestTopics.freshIdentity();
        TestTopics.identity(TestTopics.podIdentity(db, ns, "db"));
        put("application/yaml", defaultDeny(ns)).then().statusCode(200);
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(30))
                .until(() -> runtime.read(v -> v.engine()
                        .subject(db)
                        .map(s -> s.enforcedBy().containsKey(dev.tendril.datapath.policymap.Direction.INGRESS))
                        .orElse(false)));
        var before = runtime.read(v -> v.engine().subject(db).orElseThrow());
        long revision = runtime.read(PolicyRuntime.View::revision);
        // A real commit failure: PostgreSQL refuses this one name.
        eventStore
                .transactions()
                .inTransaction(tx -> tx.createStatement()
                        .execute("ALTER TABLE policies ADD CONSTRAINT poison_test CHECK (name <> 'poison')"));
        try {
            put(
                            "application/yaml",
                            allowWeb(ns, 5432).replace("name: allow-web", "name: poison") + "---\n"
                                    + defaultDeny(ns).replace("default-deny-ingress", "other"))
                    .then()
                    .statusCode(500);
        } finally {
            eventStore
                    .transactions()
                    .inTransaction(
                            tx -> tx.createStatement().execute("ALTER TABLE policies DROP CONSTRAINT poison_test"));
        }
        PolicyRef poison = new PolicyRef("NetworkPolicy", ns, "poison");
        assertThat(store.policyEvents(poison)).isEmpty();
        assertThat(store.policyEvents(new PolicyRef("NetworkPolicy", ns, "other")))
                .isEmpty();
        given().get("/v1/policies/NetworkPolicy/" + ns + "/poison").then().statusCode(404);
        java.util.Optional<dev.tendril.policy.domain.Policy> inEngine =
                runtime.read(v -> v.engine().policy(poison));
        assertThat(inEngine).isEmpty();
        dev.tendril.policy.domain.SubjectPolicy after =
                runtime.read(v -> v.engine().subject(db).orElseThrow());
        assertThat(after).isEqualTo(before);
        assertThat(runtime.read(PolicyRuntime.View::revision)).isEqualTo(revision);
        given().queryParam("namespace", ns)
                .get("/v1/policies")
                .then()
                .statusCode(200)
                .body("name", contains("default-deny-ingress"));
    }

    @Test
    void deletesAndAnswers404ForUnknownPolicies() {
        String ns = ns();
        long created = put("application/yaml", defaultDeny(ns)).jsonPath().getLong("revision");
        Response deleted = given().delete("/v1/policies/NETWORKPOLICY/" + ns + "/default-deny-ingress");
        deleted.then().statusCode(200);
        assertThat(deleted.jsonPath().getLong("revision")).isGreaterThan(created);
        given().get("/v1/policies/NetworkPolicy/" + ns + "/default-deny-ingress")
                .then()
                .statusCode(404);
        given().delete("/v1/policies/NetworkPolicy/" + ns + "/default-deny-ingress")
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("detail", containsString("does not exist"));
        given().get("/v1/policies/Ingress/" + ns + "/x").then().statusCode(400).body("field", equalTo("kind"));
        assertThat(store.policyEvents(new PolicyRef("NetworkPolicy", ns, "default-deny-ingress")))
                .extracting(e -> e.getClass().getSimpleName())
                .containsExactly("PolicyApplied", "PolicyDeleted");
    }

    @Test
    void warnsAboutL7RulesAndAllocatesCidrIdentities() {
        String ns = ns();
        String cnp = """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata:
                  name: l7-and-cidr
                  namespace: %s
                spec:
                  endpointSelector:
                    matchLabels:
                      app: api
                  ingress:
                  - fromEndpoints:
                    - matchLabels:
                        app: web
                    toPorts:
                    - ports:
                      - port: "80"
                        protocol: TCP
                      rules:
                        http:
                        - method: GET
                  egress:
                  - toCIDRSet:
                    - cidr: 198.51.100.0/24
                      except:
                      - 198.51.100.128/25
                """.formatted(ns);
        put("application/yaml", cnp)
                .then()
                .statusCode(200)
                .body("warnings", hasItem(containsString("L7 rules are accepted, not enforced yet")));
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(FakeIdentityService.REQUESTS)
                        .anyMatch(b -> b.contains("cidr:198.51.100.0/24") && b.contains("reserved:world"))
                        .anyMatch(b -> b.contains("cidr:198.51.100.128/25")));
    }

    @Test
    void rebuildsTheSameStateFromTheEvents() {
        String ns = ns();
        put("application/yaml", allowWeb(ns, 80) + "---\n" + defaultDeny(ns))
                .then()
                .statusCode(200);
        put("application/yaml", allowWeb(ns, 81)).then().statusCode(200);
        given().delete("/v1/policies/NetworkPolicy/" + ns + "/default-deny-ingress")
                .then()
                .statusCode(200);

        PolicyRepository.Snapshot rebuilt = store.rebuild();
        Map<PolicyRef, StoredPolicy> live = runtime.read(v -> Map.copyOf(v.stored()));
        long revision = runtime.read(PolicyRuntime.View::revision);

        assertThat(rebuilt.policies()).isEqualTo(live);
        assertThat(rebuilt.revision()).isEqualTo(revision);
        assertThat(store.readModel()).isEqualTo(live);
        // the engine built from the rebuilt manifests computes the same maps
        var engine = new dev.tendril.policy.domain.PolicyEngine("default", 16384);
        runtime.read(v -> {
            v.engine().identities().forEach(engine::upsertIdentity);
            v.engine().namedPorts().forEach(engine::setNamedPorts);
            return null;
        });
        engine.apply(rebuilt.policies().values().stream()
                .map(p -> Manifests.policy(p.manifest()))
                .toList());
        assertThat(engine.policies())
                .containsExactlyInAnyOrderElementsOf(
                        runtime.read(v -> List.copyOf(v.engine().policies())));
        assertThat(engine.subjects())
                .isEqualTo(runtime.read(v -> Map.copyOf(v.engine().subjects())));
    }
}
