package dev.tendril.policy.adapters;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;

import dev.tendril.policy.app.PolicyRuntime;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Trace, policy map and selector views over one namespace: web may reach db on 5432, evil is denied. */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeIdentityService.class)
class TraceTest {

    @Inject
    PolicyRuntime runtime;

    String ns;
    String free;
    long web;
    long db;
    long evil;
    long lonely;

    @BeforeEach
    void cluster() {
        ns = "trace-" + UUID.randomUUID().toString().substring(0, 8);
        free = ns + "-free";
        web = TestTopics.freshIdentity();
        db = web + 1;
        evil = web + 2;
        lonely = web + 3;
        TestTopics.identity(TestTopics.podIdentity(web, ns, "web"));
        TestTopics.identity(TestTopics.podIdentity(db, ns, "db"));
        TestTopics.identity(TestTopics.podIdentity(evil, ns, "evil"));
        TestTopics.identity(TestTopics.podIdentity(lonely, free, "lonely"));
        TestTopics.endpoint(TestTopics.endpoint(ns, "web-0", web, "web"));
        TestTopics.endpoint(TestTopics.endpoint(ns, "db-0", db, "db"));
        TestTopics.endpoint(TestTopics.endpoint(ns, "evil-0", evil, "evil"));
        TestTopics.endpoint(TestTopics.endpoint(free, "lonely-0", lonely, "lonely"));
        String deny = """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata:
                  name: deny-evil
                  namespace: %s
                spec:
                  endpointSelector:
                    matchLabels:
                      app: db
                  ingressDeny:
                  - fromEndpoints:
                    - matchLabels:
                        app: evil
                """.formatted(ns);
        String allowAll = """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata:
                  name: allow-evil-too
                  namespace: %s
                spec:
                  podSelector:
                    matchLabels:
                      app: db
                  ingress:
                  - from:
                    - podSelector:
                        matchLabels:
                          app: evil
                """.formatted(ns);
        given().contentType("application/yaml")
                .body((PolicyApiTest.allowWeb(ns, 5432) + "---\n" + PolicyApiTest.defaultDeny(ns) + "---\n" + deny
                                + "---\n" + allowAll)
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .put("/v1/policies")
                .then()
                .statusCode(200);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> runtime.read(v -> v.endpoints().containsKey(free + "/lonely-0")
                        && v.engine().identity(lonely).isPresent()
                        && v.endpoints().containsKey(ns + "/evil-0")));
    }

    private ValidatableResponse trace(String body) {
        return given().contentType("application/json")
                .body(body)
                .post("/v1/trace")
                .then();
    }

    private String pod(String namespace, String pod) {
        return "{\"namespace\":\"" + namespace + "\",\"pod\":\"" + pod + "\"}";
    }

    @Test
    void allowedByTheNetworkPolicyThatAllowsIt() {
        trace("{\"from\":" + pod(ns, "web-0") + ",\"to\":" + pod(ns, "db-0") + ",\"port\":5432}")
                .statusCode(200)
                .body("verdict", equalTo("ALLOWED"))
                .body("protocol", equalTo("TCP"))
                .body("from.identity", equalTo((int) web))
                .body("from.endpoint", equalTo(ns + "/web-0"))
                .body("to.labels", hasItem("k8s:app=db"))
                .body("egress.verdict", equalTo("ALLOWED"))
                .body("egress.explanation", equalTo("egress not enforced for " + ns + "/web-0: no policy selects it"))
                .body("ingress.verdict", equalTo("ALLOWED"))
                .body("ingress.matchType", equalTo("L3-L4"))
                .body("ingress.entry.identity", equalTo((int) web))
                .body("ingress.entry.port", equalTo("5432"))
                .body("ingress.policies", hasItem("NetworkPolicy/" + ns + "/allow-web"))
                .body("ingress.explanation", equalTo("allowed by NetworkPolicy/" + ns + "/allow-web"));
    }

    @Test
    void defaultDenyNamesThePoliciesThatEnforceIt() {
        trace("{\"from\":" + pod(ns, "web-0") + ",\"to\":" + pod(ns, "db-0") + ",\"port\":80,\"protocol\":\"tcp\"}")
                .statusCode(200)
                .body("verdict", equalTo("DROPPED"))
                .body("ingress.verdict", equalTo("DROPPED"))
                .body("ingress.dropReason", equalTo("Policy denied"))
                .body("ingress.dropReasonCode", equalTo(133))
                .body("ingress.entry", nullValue())
                .body("ingress.policies", hasItem("NetworkPolicy/" + ns + "/default-deny-ingress"))
                .body(
                        "ingress.explanation",
                        containsString("no policy selecting " + ns + "/db-0 allows ingress from " + ns + "/web-0 ("))
                .body("ingress.explanation", containsString("on 80/TCP; default deny from "))
                .body("ingress.explanation", containsString("NetworkPolicy/" + ns + "/default-deny-ingress"));
    }

    @Test
    void aDenyRuleWinsAndIsNamed() {
        trace("{\"from\":" + pod(ns, "evil-0") + ",\"to\":" + pod(ns, "db-0") + ",\"port\":5432}")
                .statusCode(200)
                .body("verdict", equalTo("DROPPED"))
                .body("ingress.dropReasonCode", equalTo(181))
                .body("ingress.entry.verdict", equalTo("deny"))
                .body("ingress.explanation", equalTo("denied by CiliumNetworkPolicy/" + ns + "/deny-evil (deny rule)"));
    }

    @Test
    void notEnforcedWhenNoPolicySelectsTheDestination() {
        trace("{\"from\":{\"identity\":" + db + "},\"to\":" + pod(free, "lonely-0")
                        + ",\"port\":8080,\"protocol\":\"UDP\"}")
                .statusCode(200)
                .body("verdict", equalTo("ALLOWED"))
                .body(
                        "ingress.explanation",
                        equalTo("ingress not enforced for " + free + "/lonely-0: no policy selects it"));
    }

    @Test
    void aPodReachesItself() {
        trace("{\"from\":" + pod(ns, "db-0") + ",\"to\":" + pod(ns, "db-0") + ",\"port\":1}")
                .statusCode(200)
                .body("verdict", equalTo("ALLOWED"))
                .body("ingress.explanation", containsString("loopback"));
    }

    @Test
    void labelsResolveToAnIdentityOrAHypotheticalOne() {
        trace("{\"from\":{\"namespace\":\"" + ns + "\",\"labels\":{\"app\":\"web\"}},\"to\":" + pod(ns, "db-0")
                        + ",\"port\":5432}")
                .statusCode(200)
                .body("verdict", equalTo("ALLOWED"))
                .body("from.identity", equalTo((int) web));
        trace("{\"from\":{\"namespace\":\"" + ns + "\",\"labels\":{\"app\":\"newcomer\"}},\"to\":" + pod(ns, "db-0")
                        + ",\"port\":5432}")
                .statusCode(200)
                .body("verdict", equalTo("DROPPED"))
                .body("from.hypothetical", equalTo(true))
                .body("from.identity", nullValue())
                .body("ingress.explanation", containsString("default deny from"));
    }

    @Test
    void refusesUnknownPodsAndBadPortsOrProtocols() {
        trace("{\"from\":" + pod(ns, "nope") + ",\"to\":" + pod(ns, "db-0") + ",\"port\":80}")
                .statusCode(404)
                .contentType("application/problem+json")
                .body("field", equalTo("from.pod"));
        trace("{\"from\":" + pod(ns, "web-0") + ",\"to\":" + pod(ns, "db-0") + ",\"port\":0}")
                .statusCode(400)
                .body("field", equalTo("port"));
        trace("{\"from\":" + pod(ns, "web-0") + ",\"to\":" + pod(ns, "db-0") + ",\"port\":80,\"protocol\":\"ICMP\"}")
                .statusCode(400)
                .body("field", equalTo("protocol"));
        trace("{\"to\":" + pod(ns, "db-0") + ",\"port\":80}").statusCode(400).body("field", equalTo("from"));
    }

    @Test
    void refusesLabelsAndNamespacesThatAreNotKubernetesNames() {
        trace("{\"from\":{\"namespace\":\"" + ns + "\",\"labels\":{\"bad key\":\"web\"}},\"to\":" + pod(ns, "db-0")
                        + ",\"port\":80}")
                .statusCode(400)
                .contentType("application/problem+json")
                .body("field", equalTo("from.labels.bad key"))
                .body("detail", containsString("invalid label key"));
        trace("{\"from\":" + pod(ns, "web-0") + ",\"to\":{\"namespace\":\"" + ns + "\",\"labels\":{\"app\":\"a b\"}},"
                        + "\"port\":80}")
                .statusCode(400)
                .body("field", equalTo("to.labels.app"))
                .body("detail", containsString("invalid label value"));
        trace("{\"from\":{\"namespace\":\"Not_A_Namespace\",\"labels\":{\"app\":\"web\"}},\"to\":" + pod(ns, "db-0")
                        + ",\"port\":80}")
                .statusCode(400)
                .body("field", equalTo("from.namespace"));
    }

    @Test
    void policyMapListsEntriesLikeCiliumBpfPolicyGet() {
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().get("/v1/identities/" + db + "/policymap")
                        .then()
                        .statusCode(200)
                        .body("subject", equalTo((int) db))
                        .body("ingressEnforcedBy", hasItem("NetworkPolicy/" + ns + "/default-deny-ingress"))
                        .body("egressEnforcedBy", org.hamcrest.Matchers.empty())
                        .body(
                                "entries.find { it.identity == " + web + " && it.direction == 'ingress' }.port",
                                equalTo("5432"))
                        .body(
                                "entries.find { it.identity == " + web + " && it.direction == 'ingress' }.protocol",
                                equalTo("TCP"))
                        .body(
                                "entries.find { it.identity == " + web + " && it.direction == 'ingress' }.verdict",
                                equalTo("allow"))
                        .body(
                                "entries.find { it.identity == " + web + " && it.direction == 'ingress' }.labels",
                                hasItem("k8s:app=web"))
                        .body(
                                "entries.find { it.identity == " + web + " && it.direction == 'ingress' }.policies",
                                hasItem("NetworkPolicy/" + ns + "/allow-web"))
                        .body("entries.find { it.identity == 0 && it.direction == 'egress' }.port", equalTo("ANY"))
                        .body(
                                "entries.find { it.identity == 0 && it.direction == 'egress' }.labels",
                                org.hamcrest.Matchers.empty())
                        .body("entries.find { it.identity == " + evil + " }.verdict", equalTo("deny")));
        given().get("/v1/identities/4000000000/policymap")
                .then()
                .statusCode(404)
                .contentType("application/problem+json");
        given().get("/v1/identities/2/policymap").then().statusCode(404);
    }

    @Test
    void selectorsShowWhatTheySelectAndWhoUsesThem() {
        given().get("/v1/selectors")
                .then()
                .statusCode(200)
                .body(
                        "find { it.users.contains('CiliumNetworkPolicy/" + ns + "/deny-evil') && it.selected.contains("
                                + evil + ") }.selector",
                        containsString("app"))
                .body(
                        "find { it.users.contains('NetworkPolicy/" + ns + "/allow-web') && it.selected.contains(" + db
                                + ") }.users",
                        hasItem("NetworkPolicy/" + ns + "/allow-web"));
        given().queryParam("namespace", ns)
                .get("/v1/policies")
                .then()
                .statusCode(200)
                .body("find { it.name == 'allow-web' }.subjects", hasItem((int) db));
    }
}
