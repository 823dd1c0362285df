package dev.tendril.identity.adapters;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;

import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The admin REST API: identities, namespaces, endpoints, and problem+json for every refusal. */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class RestApiTest {

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void servesReservedIdentitiesWithTheirNames() {
        given().get("/v1/identities/1")
                .then()
                .statusCode(200)
                .body("id", equalTo(1))
                .body("name", equalTo("host"))
                .body("labels", contains("reserved:host"));
        given().get("/v1/identities/10").then().statusCode(200).body("name", equalTo("world-ipv6"));
        given().get("/v1/identities").then().statusCode(200).body("name", hasItem("kube-apiserver"));
        given().get("/v1/identities/999999")
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("field", equalTo("id"));
    }

    @Test
    void allocatesOrReusesOnlyIdentityRelevantLabels() {
        String app = unique("shop");
        Map<String, Object> body = Map.of(
                "labels", List.of("k8s:app=" + app, "k8s:pod-template-hash=5d9f", "k8s:app.kubernetes.io/name=" + app));
        int id = given().contentType(ContentType.JSON)
                .body(body)
                .post("/v1/identities")
                .then()
                .statusCode(201)
                .body("labels", contains("k8s:app=" + app, "k8s:app.kubernetes.io/name=" + app))
                .extract()
                .path("id");
        given().contentType(ContentType.JSON)
                .body(Map.of(
                        "labels",
                        List.of("k8s:app.kubernetes.io/name=" + app, "k8s:app=" + app, "k8s:pod-template-hash=other")))
                .post("/v1/identities")
                .then()
                .statusCode(200)
                .body("id", equalTo(id));
        given().queryParam("label", "k8s:app=" + app)
                .get("/v1/identities")
                .then()
                .statusCode(200)
                .body("$", hasSize(1))
                .body("[0].id", equalTo(id));
        given().get("/v1/identities/" + id).then().statusCode(200).body("labels", hasItem("k8s:app=" + app));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "invalid key     | k8s:-bad=x",
                "invalid value   | k8s:app=has space",
                "unknown source  | nosuch:app=x",
                "only irrelevant | k8s:pod-template-hash=1",
            })
    void refusesBadLabelsWithProblemJsonAndStoresNothing(String name, String label) {
        given().contentType(ContentType.JSON)
                .body(Map.of("labels", List.of(label)))
                .post("/v1/identities")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("field", equalTo(label.startsWith("k8s:pod-template") ? "labels" : "labels[0]"))
                .body("title", equalTo("Invalid input"))
                .body("type", containsString("invalid-input"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "garbage prefix             | cidr:---/0;reserved:world                        | labels[0]",
                "octets out of range        | cidr:999.999.999.999/99;reserved:world           | labels[0]",
                "v4 length over 32          | cidr:10.0.0.0/33;reserved:world                  | labels[0]",
                "host bits set              | cidr:10.0.0.1/8;reserved:world                   | labels[0]",
                "leading zero octet         | cidr:010.0.0.0/8;reserved:world                  | labels[0]",
                "leading zero length        | cidr:10.0.0.0/08;reserved:world                  | labels[0]",
                "v6 length over 128         | cidr:2001-db8--0/129;reserved:world              | labels[0]",
                "v6 host bits set           | cidr:2001-db8--1/32;reserved:world               | labels[0]",
                "v6 with colons             | cidr:2001:db8::/32;reserved:world                | labels[0]",
                "v6 not canonical           | cidr:2001-0db8--0/32;reserved:world              | labels[0]",
                "cidr with a value          | cidr:10.0.0.0/8=x;reserved:world                 | labels[0]",
                "cidr without world         | cidr:10.0.0.0/8                                  | labels",
                "cidr with a pod label      | cidr:10.0.0.0/8;reserved:world;k8s:app=x         | labels[2]",
                "two cidr labels            | cidr:10.0.0.0/8;cidr:10.0.0.0/7;reserved:world   | labels[1]",
                "reserved host              | reserved:host                                    | labels[0]",
                "reserved world alone       | reserved:world                                   | labels[0]",
                "reserved with pod label    | k8s:app=x;reserved:health                        | labels[1]",
                "reserved with a value      | reserved:world=x;cidr:10.0.0.0/8                 | labels[0]",
            })
    void refusesGarbageCidrAndReservedLabelsFromClients(String name, String labels, String field) {
        int before =
                given().get("/v1/identities").then().statusCode(200).extract().path("size()");
        given().contentType(ContentType.JSON)
                .body(Map.of("labels", List.of(labels.split(";"))))
                .post("/v1/identities")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("field", equalTo(field));
        given().get("/v1/identities").then().statusCode(200).body("size()", equalTo(before));
    }

    @Test
    void allocatesCidrIdentitiesAsThePolicyServiceAsksForThem() {
        // 172.16.0.0/12 and 2001:db8:1000::/36 belong to this test alone: GarbageCollectionTest and
        // IdentitySecurityTest allocate under 10.0.0.0/8 and 2001:db8:0::/36 in the same database
        int block = java.util.concurrent.ThreadLocalRandom.current().nextInt(4096);
        String v4 = "cidr:172." + (16 + block / 256) + "." + (block % 256) + ".0/24";
        given().contentType(ContentType.JSON)
                .body(Map.of("labels", List.of(v4, "reserved:world")))
                .post("/v1/identities")
                .then()
                .statusCode(201)
                .body("labels", contains(v4, "reserved:world"));
        // Cilium's spelling of 2001:db8:<n>::/48, and the expanded one the policy service writes: one identity
        String hex = Integer.toHexString(0x1000 + block);
        String cilium = "cidr:2001-db8-" + hex + "--0/48";
        int id = given().contentType(ContentType.JSON)
                .body(Map.of("labels", List.of(cilium, "reserved:world")))
                .post("/v1/identities")
                .then()
                .statusCode(201)
                .body("labels", contains(cilium, "reserved:world"))
                .extract()
                .path("id");
        given().contentType(ContentType.JSON)
                .body(Map.of("labels", List.of("cidr:2001-db8-" + hex + "-0-0-0-0-0/48", "reserved:world")))
                .post("/v1/identities")
                .then()
                .statusCode(200)
                .body("id", equalTo(id))
                .body("labels", contains(cilium, "reserved:world"));
        given().contentType(ContentType.JSON)
                .body(Map.of("labels", List.of("cidr:0--0/0", "reserved:world")))
                .post("/v1/identities")
                .then()
                .statusCode(anyOf(equalTo(200), equalTo(201)));
        given().contentType(ContentType.JSON)
                .body(Map.of("labels", List.of("cidr:0.0.0.0/0", "reserved:world")))
                .post("/v1/identities")
                .then()
                .statusCode(anyOf(equalTo(200), equalTo(201)));
    }

    @Test
    void refusesNullLabelsInAnAllocation() {
        given().contentType(ContentType.JSON)
                .body(Map.of("labels", listOf("k8s:app=x", null)))
                .post("/v1/identities")
                .then()
                .statusCode(400)
                .body("field", equalTo("labels[1]"));
    }

    @Test
    void refusesOversizedLabelSets() {
        List<String> labels = java.util.stream.IntStream.range(0, 65)
                .mapToObj(i -> "k8s:k" + i + "=v")
                .toList();
        given().contentType(ContentType.JSON)
                .body(Map.of("labels", labels))
                .post("/v1/identities")
                .then()
                .statusCode(400)
                .body("field", equalTo("labels"))
                .body("detail", containsString("at most 64"));
    }

    @Test
    void refusesMalformedJson() {
        given().contentType(ContentType.JSON)
                .body("{\"labels\": [")
                .post("/v1/identities")
                .then()
                .statusCode(400)
                .contentType("application/problem+json");
    }

    @Test
    void registersEndpointsAndReturnsTheirIdentity() {
        String ns = unique("ns");
        putNamespace(ns, Map.of("team", "a"));
        given().get("/v1/namespaces").then().statusCode(200).body("name", hasItem(ns));
        given().get("/v1/namespaces/" + ns)
                .then()
                .statusCode(200)
                .body("labels.'kubernetes.io/metadata.name'", equalTo(ns));

        int identity = putEndpoint(ns, "web-1", "10.77.0.1", Map.of("app", "web"))
                .statusCode(200)
                .body("identity", not(equalTo(0)))
                .body("ips", contains("10.77.0.1"))
                .extract()
                .path("identity");
        int same = putEndpoint(ns, "web-2", "10.77.0.2", Map.of("app", "web", "pod-template-hash", "abc"))
                .statusCode(200)
                .extract()
                .path("identity");
        org.assertj.core.api.Assertions.assertThat(same).isEqualTo(identity);
        given().get("/v1/identities/" + identity)
                .then()
                .statusCode(200)
                .body("labels", hasItem("k8s:io.cilium.k8s.namespace.labels.team=a"))
                .body("labels", hasItem("k8s:io.kubernetes.pod.namespace=" + ns))
                .body("labels", hasItem("k8s:io.cilium.k8s.policy.cluster=default"))
                .body("endpoints", equalTo(2));

        given().queryParam("namespace", ns)
                .get("/v1/endpoints")
                .then()
                .statusCode(200)
                .body("$", hasSize(2));
        given().queryParam("identity", identity)
                .get("/v1/endpoints")
                .then()
                .statusCode(200)
                .body("$", hasSize(2));
        given().queryParam("node", "node-1")
                .queryParam("namespace", ns)
                .get("/v1/endpoints")
                .then()
                .body("$", hasSize(2));
        given().get("/v1/endpoints/" + ns + "/web-1").then().statusCode(200).body("node", equalTo("node-1"));

        given().delete("/v1/endpoints/" + ns + "/web-1").then().statusCode(204);
        given().delete("/v1/endpoints/" + ns + "/web-1").then().statusCode(404).body("field", equalTo("pod"));
        given().delete("/v1/namespaces/" + ns).then().statusCode(409).body("field", equalTo("name"));
        given().delete("/v1/endpoints/" + ns + "/web-2").then().statusCode(204);
        given().delete("/v1/namespaces/" + ns).then().statusCode(204);
        given().get("/v1/namespaces/" + ns).then().statusCode(404);
    }

    @Test
    void marksAnEndpointTerminatingOverRestAndRefusesBadOrUnknownOnes() {
        String ns = unique("ns");
        putNamespace(ns, Map.of());
        String uid = putEndpoint(ns, "web-1", "10.76.0.1", Map.of("app", "web"))
                .statusCode(200)
                .body("terminating", equalTo(false))
                .extract()
                .path("uid");

        given().put("/v1/endpoints/" + ns + "/web-1/terminating?uid=other")
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("field", equalTo("uid"));
        given().put("/v1/endpoints/" + ns + "/web-9/terminating")
                .then()
                .statusCode(404)
                .body("field", equalTo("pod"));
        given().put("/v1/endpoints/" + ns + "/web-1/terminating?uid=a%00b")
                .then()
                .statusCode(400)
                .body("field", equalTo("uid"));
        given().get("/v1/endpoints/" + ns + "/web-1").then().body("terminating", equalTo(false));

        given().put("/v1/endpoints/" + ns + "/web-1/terminating?uid=" + uid)
                .then()
                .statusCode(200)
                .body("terminating", equalTo(true))
                .body("ips", contains("10.76.0.1"));
        given().put("/v1/endpoints/" + ns + "/web-1/terminating").then().statusCode(200);
        given().get("/v1/endpoints/" + ns + "/web-1").then().body("terminating", equalTo(true));
        given().get("/v1/history?kind=Pod&namespace=" + ns + "&name=web-1")
                .then()
                .statusCode(200)
                .body(containsString("EndpointTerminating"));

        given().delete("/v1/endpoints/" + ns + "/web-1").then().statusCode(204);
        given().delete("/v1/namespaces/" + ns).then().statusCode(204);
    }

    @Test
    void namespaceRelabelMovesItsEndpointsToNewIdentities() {
        String ns = unique("relabel");
        putNamespace(ns, Map.of("stage", "dev"));
        int before = putEndpoint(ns, "api-1", "10.78.0.1", Map.of("app", "api"))
                .statusCode(200)
                .extract()
                .path("identity");
        int otherBefore = putEndpoint(ns, "db-1", "10.78.0.2", Map.of("app", "db"))
                .statusCode(200)
                .extract()
                .path("identity");

        putNamespace(ns, Map.of("stage", "prod"));

        int after = given().get("/v1/endpoints/" + ns + "/api-1")
                .then()
                .statusCode(200)
                .extract()
                .path("identity");
        int otherAfter = given().get("/v1/endpoints/" + ns + "/db-1")
                .then()
                .statusCode(200)
                .extract()
                .path("identity");
        org.assertj.core.api.Assertions.assertThat(after).isNotEqualTo(before);
        org.assertj.core.api.Assertions.assertThat(otherAfter)
                .isNotEqualTo(otherBefore)
                .isNotEqualTo(after);
        given().get("/v1/identities/" + after)
                .then()
                .body("labels", hasItem("k8s:io.cilium.k8s.namespace.labels.stage=prod"));
        given().get("/v1/identities/" + before).then().body("endpoints", equalTo(0));

        // an endpoint label change moves it too, and back
        int relabelled = putEndpoint(ns, "api-1", "10.78.0.1", Map.of("app", "api", "tier", "gold"))
                .statusCode(200)
                .extract()
                .path("identity");
        org.assertj.core.api.Assertions.assertThat(relabelled).isNotEqualTo(after);
        int back = putEndpoint(ns, "api-1", "10.78.0.1", Map.of("app", "api"))
                .statusCode(200)
                .extract()
                .path("identity");
        org.assertj.core.api.Assertions.assertThat(back).isEqualTo(after);
    }

    @Test
    void refusesASecondLiveHolderOfAnIpNamingTheHolder() {
        String ns = unique("ipc");
        putNamespace(ns, Map.of());
        putEndpoint(ns, "first", "10.79.0.1", Map.of("app", "a")).statusCode(200);
        putEndpoint(ns, "second", "10.79.0.1", Map.of("app", "b"))
                .statusCode(409)
                .contentType("application/problem+json")
                .body("field", equalTo("ips"))
                .body("detail", containsString(ns + "/first"));
        given().get("/v1/endpoints/" + ns + "/second").then().statusCode(404);
        // the holder may re-register; once it is gone the IP is free
        putEndpoint(ns, "first", "10.79.0.1", Map.of("app", "a")).statusCode(200);
        given().delete("/v1/endpoints/" + ns + "/first").then().statusCode(204);
        putEndpoint(ns, "second", "10.79.0.1", Map.of("app", "b")).statusCode(200);
    }

    @Test
    void refusesAnEndpointInAnUnknownNamespaceWith422() {
        putEndpoint(unique("nowhere"), "pod", "10.80.0.1", Map.of())
                .statusCode(422)
                .contentType("application/problem+json")
                .body("field", equalTo("namespace"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badEndpoints")
    void refusesBadEndpointsWith400NamingTheFieldAndStoresNothing(
            String name, Map<String, Object> changes, String field) {
        String ns = unique("bad");
        putNamespace(ns, Map.of());
        Map<String, Object> body = new java.util.HashMap<>(Map.of(
                "uid",
                UUID.randomUUID().toString(),
                "node",
                "node-1",
                "ips",
                List.of("10.81.0.1"),
                "labels",
                Map.of("app", "a"),
                "serviceAccount",
                "default",
                "namedPorts",
                List.of(Map.of("name", "http", "port", 8080, "protocol", "TCP"))));
        changes.forEach((key, value) -> {
            if (value == ABSENT) {
                body.remove(key);
            } else {
                body.put(key, value);
            }
        });
        given().contentType(ContentType.JSON)
                .body(body)
                .put("/v1/endpoints/" + ns + "/pod-1")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("field", equalTo(field));
        given().queryParam("namespace", ns).get("/v1/endpoints").then().body("$", hasSize(0));
        given().get("/v1/endpoints/" + ns + "/pod-1").then().statusCode(404);
    }

    private static final Object ABSENT = new Object();

    private static Map<String, Object> with(Object... keyValues) {
        Map<String, Object> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put((String) keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    private static List<Object> listOf(Object... elements) {
        return java.util.Arrays.asList(elements);
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> badEndpoints() {
        return java.util.stream.Stream.of(
                // null elements: they used to be accepted and then stalled the outbox relay
                args("null label value", with("labels", with("app", null)), "labels.app"),
                args("null named port", with("namedPorts", listOf((Object) null)), "namedPorts[0]"),
                args("named port without name", with("namedPorts", listOf(with("port", 80))), "namedPorts[0].name"),
                args("named port without port", with("namedPorts", listOf(with("name", "http"))), "namedPorts[0].port"),
                args("null IP", with("ips", listOf((Object) null)), "ips[0]"),
                args("null second IP", with("ips", listOf("10.81.0.1", null)), "ips[1]"),
                // addresses no pod can have
                args("malformed IP", with("ips", List.of("10.0.0.300")), "ips[0]"),
                args("no IP", with("ips", List.of()), "ips"),
                args("unspecified v4", with("ips", List.of("0.0.0.0")), "ips[0]"),
                args("unspecified v6", with("ips", List.of("::")), "ips[0]"),
                args("broadcast", with("ips", List.of("255.255.255.255")), "ips[0]"),
                args("multicast v4", with("ips", List.of("224.0.0.251")), "ips[0]"),
                args("multicast v6", with("ips", List.of("10.81.0.1", "ff02::1")), "ips[1]"),
                args("loopback", with("ips", List.of("127.0.0.1")), "ips[0]"),
                args("link-local", with("ips", List.of("169.254.1.1")), "ips[0]"),
                args("leading zero octet", with("ips", List.of("010.0.0.65")), "ips[0]"),
                args("shorthand IPv4", with("ips", List.of("10.1")), "ips[0]"),
                args("padded IP", with("ips", List.of(" 10.81.0.1")), "ips[0]"),
                // uids
                args("no uid", with("uid", ABSENT), "uid"),
                args("empty uid", with("uid", ""), "uid"),
                args("5000-character uid", with("uid", "u".repeat(5000)), "uid"),
                args("uid with newline", with("uid", "abc\ndef"), "uid"),
                args("uid with markup", with("uid", "<script>x</script>"), "uid"),
                args("uid with NUL", with("uid", "abc\u0000def"), "uid"),
                // labels, as Kubernetes validates metadata.labels
                args("bad label key", with("labels", with("-x", "y")), "labels"),
                args("label key name too long", with("labels", with("k".repeat(64), "v")), "labels"),
                args(
                        "label key prefix segment too long",
                        with("labels", with("a".repeat(64) + ".io/k", "v")),
                        "labels"),
                args("label key prefix too long", with("labels", with("a.".repeat(127) + "io/k", "v")), "labels"),
                args("label value too long", with("labels", with("app", "v".repeat(64))), "labels.app"),
                args("label value with NUL", with("labels", with("app", "a\u0000b")), "labels.app"),
                // names and ports
                args("no node", with("node", ABSENT), "node"),
                args("bad node", with("node", "Node_1"), "node"),
                args("bad service account", with("serviceAccount", "Bad_SA"), "serviceAccount"),
                args("port zero", with("namedPorts", List.of(with("name", "http", "port", 0))), "namedPorts[0].port"),
                args(
                        "port too large",
                        with("namedPorts", List.of(with("name", "http", "port", 65536))),
                        "namedPorts[0].port"),
                args(
                        "port name too long",
                        with("namedPorts", List.of(with("name", "a".repeat(16), "port", 80))),
                        "namedPorts[0].name"),
                args(
                        "port name without letter",
                        with("namedPorts", List.of(with("name", "8080", "port", 80))),
                        "namedPorts[0].name"),
                args(
                        "bad protocol",
                        with("namedPorts", List.of(with("name", "dns", "port", 53, "protocol", "ICMP"))),
                        "namedPorts[0].protocol"),
                args(
                        "duplicate port name",
                        with("namedPorts", List.of(with("name", "http", "port", 80), with("name", "http", "port", 81))),
                        "namedPorts[1].name"));
    }

    private static org.junit.jupiter.params.provider.Arguments args(
            String name, Map<String, Object> changes, String field) {
        return org.junit.jupiter.params.provider.Arguments.of(name, changes, field);
    }

    @Test
    void refusesNullLabelValuesOfNamespaces() {
        String ns = unique("nullns");
        Map<String, Object> labels = new java.util.HashMap<>();
        labels.put("team", null);
        given().contentType(ContentType.JSON)
                .body(Map.of("labels", labels))
                .put("/v1/namespaces/" + ns)
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("field", equalTo("labels.team"));
        given().contentType(ContentType.JSON)
                .body(Map.of("labels", Map.of("team", "t".repeat(64))))
                .put("/v1/namespaces/" + ns)
                .then()
                .statusCode(400)
                .body("field", equalTo("labels.team"));
        given().get("/v1/namespaces/" + ns).then().statusCode(404);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "GET    | /v1/namespaces/bad%00name           | name",
                "DELETE | /v1/namespaces/bad%00name           | name",
                "GET    | /v1/endpoints/bad%00ns/pod          | namespace",
                "GET    | /v1/endpoints/ns/bad%00pod          | pod",
                "DELETE | /v1/endpoints/ns/bad%00pod          | pod",
                "GET    | /v1/endpoints?namespace=bad%00ns    | namespace",
                "GET    | /v1/endpoints?node=bad%00node       | node",
                "PUT    | /v1/namespaces/bad%00name           | name",
            })
    void refusesMalformedNamesInPathsAndQueriesWith400(String method, String path, String field) {
        given().urlEncodingEnabled(false)
                .contentType(ContentType.JSON)
                .body(Map.of())
                .request(method, path)
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("field", equalTo(field));
    }

    @Test
    void refusesAnEmptyPodName() {
        String ns = unique("empty");
        putNamespace(ns, Map.of());
        given().contentType(ContentType.JSON)
                .body(Map.of("node", "n1", "ips", List.of("10.82.0.1")))
                .put("/v1/endpoints/" + ns + "/%20")
                .then()
                .statusCode(400)
                .body("field", equalTo("pod"));
    }

    @Test
    void publishesTheApiInOpenApi() {
        given().get("/q/openapi")
                .then()
                .statusCode(200)
                .body(containsString("/v1/identities"))
                .body(containsString("/v1/namespaces"))
                .body(containsString("/v1/endpoints/{namespace}/{pod}"));
    }

    static void putNamespace(String name, Map<String, String> labels) {
        given().contentType(ContentType.JSON)
                .body(Map.of("labels", labels))
                .put("/v1/namespaces/" + name)
                .then()
                .statusCode(200);
    }

    static io.restassured.response.ValidatableResponse putEndpoint(
            String ns, String pod, String ip, Map<String, String> labels) {
        return given().contentType(ContentType.JSON)
                .body(Map.of(
                        "uid",
                        UUID.randomUUID().toString(),
                        "node",
                        "node-1",
                        "ips",
                        List.of(ip),
                        "labels",
                        labels,
                        "serviceAccount",
                        "default",
                        "namedPorts",
                        List.of(Map.of("name", "http", "port", 8080, "protocol", "TCP"))))
                .put("/v1/endpoints/" + ns + "/" + pod)
                .then();
    }
}
