package dev.tendril.agent.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.tendril.agent.probe.UpstreamFlow;
import dev.tendril.api.hubble.flow.DropReason;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.hubble.flow.FlowType;
import dev.tendril.api.hubble.flow.IPVersion;
import dev.tendril.api.hubble.flow.Policy;
import dev.tendril.api.hubble.flow.TrafficDirection;
import dev.tendril.api.hubble.flow.Verdict;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Label;
import dev.tendril.api.v1.Node;
import dev.tendril.api.v1.PolicyMapEntry;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import dev.tendril.testing.KafkaTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/probe} on node-1 over the state topics of a real broker (memory maps): shop/web, shop/db
 * and shop/evil on node-1, shop/api on node-2 (whose agent is {@link FakePeerAgent}); the flow records on
 * the flows topic.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakePeerAgent.class)
@TestProfile(ProbeApiTest.Topics.class)
class ProbeApiTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);

    public static class Topics implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "tendril.agent.sync.enabled",
                    "true",
                    // This test publishes tendril.policy's records: the agent follows that topic.
                    "tendril.agent.sync.policy-source",
                    "topic",
                    "tendril.agent.sync.identities-topic",
                    "probe-test-" + RUN + ".identities",
                    "tendril.agent.sync.endpoints-topic",
                    "probe-test-" + RUN + ".endpoints",
                    "tendril.agent.sync.nodes-topic",
                    "probe-test-" + RUN + ".nodes",
                    "tendril.agent.sync.policy-topic",
                    "probe-test-" + RUN + ".policy",
                    "tendril.agent.flows-topic",
                    "probe-test-" + RUN + ".flows");
        }
    }

    static final long WEB = 2001;
    static final long DB = 2002;
    static final long EVIL = 2003;
    static final long API = 2004;
    static final long POLICY_REVISION = 7;
    static volatile boolean published;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "tendril.agent.sync.identities-topic")
    String identitiesTopic;

    @ConfigProperty(name = "tendril.agent.sync.endpoints-topic")
    String endpointsTopic;

    @ConfigProperty(name = "tendril.agent.sync.nodes-topic")
    String nodesTopic;

    @ConfigProperty(name = "tendril.agent.sync.policy-topic")
    String policyTopic;

    @ConfigProperty(name = "tendril.agent.flows-topic")
    String flowsTopic;

    @Inject
    FlowPublisher flowPublisher;

    @Inject
    ObjectMapper json;

    @BeforeEach
    void cluster() throws Exception {
        if (published) {
            return;
        }
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (var id : Map.of(WEB, "web", DB, "db", EVIL, "evil", API, "api").entrySet()) {
                send(
                        producer,
                        identitiesTopic,
                        Long.toString(id.getKey()),
                        Identity.newBuilder()
                                .setId(id.getKey().intValue())
                                .addLabels(Label.newBuilder()
                                        .setSource("k8s")
                                        .setKey("app")
                                        .setValue(id.getValue()))
                                .addLabels(Label.newBuilder()
                                        .setSource("k8s")
                                        .setKey("io.kubernetes.pod.namespace")
                                        .setValue("shop"))
                                .build()
                                .toByteArray());
            }
            send(producer, endpointsTopic, "shop/web", endpoint("web", "node-1", "10.0.1.10", WEB));
            send(producer, endpointsTopic, "shop/db", endpoint("db", "node-1", "10.0.1.11", DB));
            send(producer, endpointsTopic, "shop/evil", endpoint("evil", "node-1", "10.0.1.12", EVIL));
            send(producer, endpointsTopic, "shop/api", endpoint("api", "node-2", "10.0.2.10", API));
            send(
                    producer,
                    nodesTopic,
                    "node-1",
                    Node.newBuilder()
                            .setName("node-1")
                            .addIps("192.168.0.11")
                            .build()
                            .toByteArray());
            send(
                    producer,
                    nodesTopic,
                    "node-2",
                    Node.newBuilder()
                            .setName("node-2")
                            .addIps("192.168.0.12")
                            .build()
                            .toByteArray());
            send(
                    producer,
                    policyTopic,
                    Long.toString(WEB),
                    SubjectPolicyMap.newBuilder()
                            .setSubject((int) WEB)
                            .setRevision(1)
                            .setPolicyRevision(POLICY_REVISION)
                            .addEntries(entry(PolicyMapKey.anyProtocol(0, Direction.INGRESS), false))
                            .addEntries(entry(
                                    PolicyMapKey.anyProtocol(DB, Direction.EGRESS),
                                    false,
                                    "NetworkPolicy/shop/web-egress"))
                            .addEntries(entry(
                                    PolicyMapKey.of(API, Direction.EGRESS, IpProtocol.TCP, 8080),
                                    false,
                                    "NetworkPolicy/shop/web-egress"))
                            .addEntries(entry(
                                    PolicyMapKey.of(2, Direction.EGRESS, IpProtocol.TCP, 443),
                                    false,
                                    "CiliumNetworkPolicy/shop/web-world"))
                            .addEgressEnforcedBy("NetworkPolicy/shop/web-egress")
                            .build()
                            .toByteArray());
            send(
                    producer,
                    policyTopic,
                    Long.toString(DB),
                    SubjectPolicyMap.newBuilder()
                            .setSubject((int) DB)
                            .setRevision(1)
                            .setPolicyRevision(POLICY_REVISION)
                            .addEntries(entry(
                                    PolicyMapKey.of(WEB, Direction.INGRESS, IpProtocol.TCP, 80),
                                    false,
                                    "NetworkPolicy/shop/db-allow-web"))
                            .addEntries(entry(
                                    PolicyMapKey.anyProtocol(EVIL, Direction.INGRESS),
                                    true,
                                    "CiliumNetworkPolicy/shop/db-deny-evil"))
                            .addEntries(entry(PolicyMapKey.anyProtocol(0, Direction.EGRESS), false))
                            .addIngressEnforcedBy("NetworkPolicy/shop/db-allow-web")
                            .addIngressEnforcedBy("NetworkPolicy/shop/default-deny")
                            .build()
                            .toByteArray());
            send(
                    producer,
                    policyTopic,
                    Long.toString(EVIL),
                    SubjectPolicyMap.newBuilder()
                            .setSubject((int) EVIL)
                            .setRevision(1)
                            .addEntries(entry(PolicyMapKey.anyProtocol(0, Direction.INGRESS), false))
                            .addEntries(entry(PolicyMapKey.anyProtocol(0, Direction.EGRESS), false))
                            .build()
                            .toByteArray());
        }
        // The last record written (evil's map) in its policy map means every earlier record is replayed too.
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> given().get("/v1/maps/policy/shop/evil")
                        .then()
                        .statusCode(200)
                        .body("entries", equalTo(2)));
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> given().get("/v1/maps/policy/shop/db")
                        .then()
                        .statusCode(200)
                        .body("entries", equalTo(3)));
        published = true;
    }

    @Test
    void allowsWhatEgressAndIngressPolicyAllowAndNamesBothPolicies() {
        probe("{\"from\":\"shop/web\",\"to\":\"shop/db\",\"port\":80}")
                .statusCode(200)
                .body("verdict", equalTo("FORWARDED"))
                .body("loopback", equalTo(false))
                .body("from.endpoint", equalTo("shop/web"))
                .body("from.ip", equalTo("10.0.1.10"))
                .body("from.identity", equalTo((int) WEB))
                .body("from.node", equalTo("node-1"))
                .body("to.endpoint", equalTo("shop/db"))
                .body("to.ip", equalTo("10.0.1.11"))
                .body("to.identity", equalTo((int) DB))
                .body("to.node", equalTo("node-1"))
                .body("egress.verdict", equalTo("FORWARDED"))
                .body("egress.dropReason", nullValue())
                .body("egress.matchType", equalTo("L3-Only"))
                .body("egress.remoteIdentity", equalTo((int) DB))
                .body("egress.policies", contains("NetworkPolicy/shop/web-egress"))
                .body("egress.node", equalTo("node-1"))
                .body("ingress.verdict", equalTo("FORWARDED"))
                .body("ingress.matchType", equalTo("L3-L4"))
                .body("ingress.remoteIdentity", equalTo((int) WEB))
                .body("ingress.policies", contains("NetworkPolicy/shop/db-allow-web"));
    }

    @Test
    void dropsWithPolicyDeniedWhenNoEntryAllowsAndNamesTheDefaultDenyPolicies() {
        probe("{\"from\":\"shop/web\",\"to\":\"shop/db\",\"port\":5432,\"protocol\":\"TCP\"}")
                .statusCode(200)
                .body("verdict", equalTo("DROPPED"))
                .body("egress.verdict", equalTo("FORWARDED"))
                .body("ingress.verdict", equalTo("DROPPED"))
                .body("ingress.dropReason", equalTo("POLICY_DENIED"))
                .body("ingress.dropReasonCode", equalTo(133))
                .body("ingress.matchType", nullValue())
                .body("ingress.defaultDeny", equalTo(true))
                .body(
                        "ingress.policies",
                        contains("NetworkPolicy/shop/db-allow-web", "NetworkPolicy/shop/default-deny"));
    }

    @Test
    void dropsWithPolicyDenyOnADenyEntryAndNamesItsPolicy() {
        probe("{\"from\":\"10.0.1.12\",\"to\":\"shop/db\",\"port\":80}")
                .statusCode(200)
                .body("verdict", equalTo("DROPPED"))
                .body("from.endpoint", equalTo("shop/evil"))
                .body("from.identity", equalTo((int) EVIL))
                .body("egress.verdict", equalTo("FORWARDED"))
                .body("egress.matchType", equalTo("all"))
                .body("egress.policies", empty())
                .body("ingress.dropReason", equalTo("POLICY_DENY"))
                .body("ingress.dropReasonCode", equalTo(181))
                .body("ingress.matchType", equalTo("L3-Only"))
                .body("ingress.defaultDeny", equalTo(false))
                .body("ingress.policies", contains("CiliumNetworkPolicy/shop/db-deny-evil"));
    }

    @Test
    void egressDropStopsThePacketBeforeIngress() {
        probe("{\"from\":\"shop/web\",\"to\":\"shop/evil\",\"port\":80,\"protocol\":\"udp\"}")
                .statusCode(200)
                .body("verdict", equalTo("DROPPED"))
                .body("egress.dropReasonCode", equalTo(133))
                .body("egress.policies", contains("NetworkPolicy/shop/web-egress"))
                .body("ingress", nullValue());
    }

    @Test
    void aPodReachesItselfWithoutPolicy() {
        probe("{\"from\":\"shop/web\",\"to\":\"shop/web\",\"port\":9999}")
                .statusCode(200)
                .body("verdict", equalTo("FORWARDED"))
                .body("loopback", equalTo(true))
                .body("egress", nullValue())
                .body("ingress", nullValue())
                .body("to.ip", equalTo("10.0.1.10"));
    }

    @Test
    void anAddressOutsideTheClusterIsWorldAndOnlyEgressApplies() {
        probe("{\"from\":\"shop/web\",\"to\":\"8.8.8.8\",\"port\":443}")
                .statusCode(200)
                .body("verdict", equalTo("FORWARDED"))
                .body("to.endpoint", nullValue())
                .body("to.identity", equalTo(2))
                .body("to.node", nullValue())
                .body("egress.matchType", equalTo("L3-L4"))
                .body("egress.remoteIdentity", equalTo(2))
                .body("egress.policies", contains("CiliumNetworkPolicy/shop/web-world"))
                .body("ingress", nullValue());
        probe("{\"from\":\"shop/web\",\"to\":\"1.1.1.1\",\"port\":80}")
                .statusCode(200)
                .body("verdict", equalTo("DROPPED"))
                .body("egress.dropReason", equalTo("POLICY_DENIED"))
                .body("egress.policies", contains("NetworkPolicy/shop/web-egress"))
                .body("ingress", nullValue());
    }

    @Test
    void refusesInvalidProbesNamingTheField() {
        record Case(String body, String field) {}
        for (Case c : List.of(
                new Case("{}", "from"),
                new Case("{\"from\":\"shop/web\",\"port\":80}", "to"),
                new Case("{\"from\":\"shop/web\",\"to\":\"shop/db\"}", "port"),
                new Case("{\"from\":\"shop/web\",\"to\":\"shop/db\",\"port\":0}", "port"),
                new Case("{\"from\":\"shop/web\",\"to\":\"shop/db\",\"port\":65536}", "port"),
                new Case("{\"from\":\"shop/web\",\"to\":\"shop/db\",\"port\":80,\"protocol\":\"ICMP\"}", "protocol"),
                new Case("{\"from\":\"Shop/Web\",\"to\":\"shop/db\",\"port\":80}", "from"),
                new Case("{\"from\":\"web\",\"to\":\"shop/db\",\"port\":80}", "from"),
                new Case("{\"from\":\"shop/web\",\"to\":\"10.0.1\",\"port\":80}", "to"))) {
            probe(c.body())
                    .statusCode(400)
                    .contentType("application/problem+json")
                    .body("status", equalTo(400))
                    .body("field", equalTo(c.field()))
                    .body("detail", containsString(c.field()));
        }
    }

    @Test
    void anUnknownPodIs404() {
        probe("{\"from\":\"shop/web\",\"to\":\"shop/nope\",\"port\":80}")
                .statusCode(404)
                .contentType("application/problem+json")
                .body("field", equalTo("to"))
                .body("detail", containsString("shop/nope"));
        probe("{\"from\":\"192.0.2.1\",\"to\":\"198.51.100.1\",\"port\":80}")
                .statusCode(422)
                .contentType("application/problem+json");
    }

    @Test
    void asksTheDestinationsAgentForTheIngressHalf() throws Exception {
        FakePeerAgent.ANSWERS.put("/v1/probe/ingress", new FakePeerAgent.Answer(200, "application/json", """
                {"to":{"endpoint":"shop/api","ip":"10.0.2.10","identity":2004,"node":"node-2"},
                 "ingress":{"verdict":"DROPPED","dropReason":"POLICY_DENIED","dropReasonCode":133,"matchType":null,
                            "policies":["NetworkPolicy/shop/api-default-deny"],"defaultDeny":true,
                            "remoteIdentity":2001,"endpointId":3,"node":"node-2"}}"""));
        FakePeerAgent.RECEIVED.clear();
        probe("{\"from\":\"shop/web\",\"to\":\"shop/api\",\"port\":8080}")
                .statusCode(200)
                .body("verdict", equalTo("DROPPED"))
                .body("egress.verdict", equalTo("FORWARDED"))
                .body("egress.node", equalTo("node-1"))
                .body("egress.matchType", equalTo("L3-L4"))
                .body("ingress.node", equalTo("node-2"))
                .body("ingress.dropReasonCode", equalTo(133))
                .body("ingress.policies", contains("NetworkPolicy/shop/api-default-deny"));
        assertThat(FakePeerAgent.RECEIVED).hasSize(1);
        FakePeerAgent.Received r = FakePeerAgent.RECEIVED.get(0);
        assertThat(r.path()).isEqualTo("/v1/probe/ingress");
        JsonNode body = json.readTree(r.body());
        assertThat(body.at("/source/endpoint").asText()).isEqualTo("shop/web");
        assertThat(body.at("/source/ip").asText()).isEqualTo("10.0.1.10");
        assertThat(body.at("/source/identity").asLong()).isEqualTo(WEB);
        assertThat(body.at("/destination").asText()).isEqualTo("shop/api");
        assertThat(body.at("/destinationIp").asText()).isEqualTo("10.0.2.10");
        assertThat(body.at("/port").asInt()).isEqualTo(8080);
        assertThat(body.at("/protocol").asText()).isEqualTo("TCP");
        assertThat(body.at("/sourcePort").asInt()).isBetween(32_768, 60_999);
    }

    @Test
    void forwardsAProbeFromAnotherNodesPodToThatNode() throws Exception {
        String answer = """
                {"verdict":"FORWARDED","loopback":false,
                 "from":{"endpoint":"shop/api","ip":"10.0.2.10","identity":2004,"node":"node-2"},
                 "to":{"endpoint":"shop/web","ip":"10.0.1.10","identity":2001,"node":"node-1"},
                 "egress":{"verdict":"FORWARDED","policies":[],"defaultDeny":false,"remoteIdentity":2001,
                           "endpointId":3,"node":"node-2","matchType":"all"},
                 "ingress":{"verdict":"FORWARDED","policies":[],"defaultDeny":false,"remoteIdentity":2004,
                            "endpointId":1,"node":"node-1","matchType":"all"}}""";
        FakePeerAgent.ANSWERS.put("/v1/probe", new FakePeerAgent.Answer(200, "application/json", answer));
        FakePeerAgent.RECEIVED.clear();
        probe("{\"from\":\"shop/api\",\"to\":\"shop/web\",\"port\":80}")
                .statusCode(200)
                .body("verdict", equalTo("FORWARDED"))
                .body("egress.node", equalTo("node-2"));
        assertThat(FakePeerAgent.RECEIVED).hasSize(1);
        assertThat(FakePeerAgent.RECEIVED.get(0).path()).isEqualTo("/v1/probe");
        assertThat(FakePeerAgent.RECEIVED.get(0).forwardedBy()).isEqualTo("node-1");
        assertThat(json.readTree(FakePeerAgent.RECEIVED.get(0).body())
                        .at("/from")
                        .asText())
                .isEqualTo("shop/api");

        // A forwarded probe is never forwarded again, and a peer's problem comes back with its status.
        given().contentType(ContentType.JSON)
                .header("X-Tendril-Probe-Forwarded", "node-3")
                .body("{\"from\":\"shop/api\",\"to\":\"shop/web\",\"port\":80}")
                .post("/v1/probe")
                .then()
                .statusCode(409)
                .body("field", equalTo("from"));
        FakePeerAgent.ANSWERS.put(
                "/v1/probe",
                new FakePeerAgent.Answer(
                        404,
                        "application/problem+json",
                        "{\"status\":404,\"field\":\"to\",\"detail\":\"to: no endpoint shop/gone\"}"));
        probe("{\"from\":\"shop/api\",\"to\":\"10.0.1.10\",\"port\":80}")
                .statusCode(404)
                .body("field", equalTo("to"))
                .body("detail", containsString("node-2"));
    }

    @Test
    void answersTheIngressHalfForItsOwnEndpoint() {
        given().contentType(ContentType.JSON)
                .body("""
                {"source":{"endpoint":null,"ip":"10.0.1.12","identity":2003,"node":null},
                 "destination":"shop/db","destinationIp":"10.0.1.11","port":80,"protocol":"TCP","sourcePort":40000}""")
                .post("/v1/probe/ingress")
                .then()
                .statusCode(200)
                .body("to.endpoint", equalTo("shop/db"))
                .body("ingress.verdict", equalTo("DROPPED"))
                .body("ingress.dropReasonCode", equalTo(181))
                .body("ingress.remoteIdentity", equalTo((int) EVIL))
                .body("ingress.policies", contains("CiliumNetworkPolicy/shop/db-deny-evil"));
        given().contentType(ContentType.JSON)
                .body("""
                {"source":{"ip":"10.0.1.10","identity":2001},"destination":"shop/api","destinationIp":"10.0.2.10",
                 "port":80,"protocol":"TCP","sourcePort":40000}""")
                .post("/v1/probe/ingress")
                .then()
                .statusCode(409)
                .body("field", equalTo("destination"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void emitsAPolicyVerdictFlowRecordPerDecisionWithThePolicies() throws Exception {
        Instant before = Instant.now();
        probe("{\"from\":\"shop/web\",\"to\":\"shop/db\",\"port\":5433}")
                .statusCode(200)
                .body("verdict", equalTo("DROPPED"));
        probe("{\"from\":\"shop/evil\",\"to\":\"shop/db\",\"port\":5434}")
                .statusCode(200)
                .body("verdict", equalTo("DROPPED"));
        flowPublisher.flush();

        // Each probe: the egress and ingress policy verdicts, and a drop record after a dropped verdict.
        List<ConsumerRecord<String, byte[]>> records = flowRecords(6);
        List<Flow> flows = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            assertThat(r.key()).isEqualTo("node-1");
            Flow flow = Flow.parseFrom(r.value());
            // The flows service finds history by record time: it must be the flow's own time.
            assertThat(r.timestamp())
                    .isEqualTo(
                            flow.getTime().getSeconds() * 1000 + flow.getTime().getNanos() / 1_000_000);
            flows.add(flow);
            // What Hubble's parser adds, read as a client generated from upstream's protos reads it.
            var upstream = UpstreamFlow.parse(r.value());
            assertThat(UpstreamFlow.get(upstream, "Summary"))
                    .isEqualTo(flow.getL4().hasUDP() ? "UDP" : "TCP Flags: SYN");
            assertThat(UpstreamFlow.get(upstream, "emitter.name")).isEqualTo("Hubble");
            assertThat(UpstreamFlow.get(upstream, "emitter.version")).isNotEqualTo("");
            assertThat((List<Object>) UpstreamFlow.get(upstream, "node_labels"))
                    .contains("kubernetes.io/hostname=node-1");
            assertThat(UpstreamFlow.get(upstream, "source.cluster_name"))
                    .isEqualTo(flow.getSource().getPodName().isEmpty() ? "" : "default");
        }
        List<Flow> web = flows.stream()
                .filter(f -> f.getL4().getTCP().getDestinationPort() == 5433)
                .toList();
        assertThat(web).hasSize(3);
        Flow egress = web.get(0);
        Flow ingress = web.get(1);
        Flow drop = web.get(2);

        assertThat(egress.getTrafficDirection()).isEqualTo(TrafficDirection.EGRESS);
        assertThat(egress.getVerdict()).isEqualTo(Verdict.FORWARDED);
        assertThat(egress.getEventType().getType()).isEqualTo(5);
        assertThat(egress.getType()).isEqualTo(FlowType.L3_L4);
        assertThat(egress.getNodeName()).isEqualTo("node-1");
        assertThat(egress.getUuid()).isNotEmpty().isNotEqualTo(ingress.getUuid());
        assertThat(Instant.ofEpochSecond(
                        egress.getTime().getSeconds(), egress.getTime().getNanos()))
                .isAfterOrEqualTo(before.minusSeconds(1));
        assertThat(egress.getIP().getSource()).isEqualTo("10.0.1.10");
        assertThat(egress.getIP().getDestination()).isEqualTo("10.0.1.11");
        assertThat(egress.getIP().getIpVersion()).isEqualTo(IPVersion.IPv4);
        assertThat(egress.getL4().getTCP().getFlags().getSYN()).isTrue();
        assertThat(egress.getL4().getTCP().getSourcePort()).isBetween(32_768, 60_999);
        assertThat(egress.getSource().getID()).isPositive();
        assertThat(egress.getSource().getIdentity()).isEqualTo((int) WEB);
        assertThat(egress.getSource().getNamespace()).isEqualTo("shop");
        assertThat(egress.getSource().getPodName()).isEqualTo("web");
        assertThat(egress.getSource().getLabelsList())
                .containsExactly("k8s:app=web", "k8s:io.kubernetes.pod.namespace=shop");
        assertThat(egress.getDestination().getIdentity()).isEqualTo((int) DB);
        assertThat(egress.getDestination().getPodName()).isEqualTo("db");
        assertThat(egress.getDestination().getID()).isPositive();
        assertThat(egress.getPolicyMatchType()).isEqualTo(1);
        assertThat(egress.hasIsReply()).isTrue();
        assertThat(egress.getIsReply().getValue()).isFalse();
        assertThat(egress.getEgressAllowedByList()).containsExactly(policy("NetworkPolicy", "web-egress"));
        assertThat(egress.getEgressDeniedByList()).isEmpty();

        assertThat(ingress.getTrafficDirection()).isEqualTo(TrafficDirection.INGRESS);
        assertThat(ingress.getVerdict()).isEqualTo(Verdict.DROPPED);
        assertThat(ingress.getDropReasonDesc()).isEqualTo(DropReason.POLICY_DENIED);
        assertThat(ingress.getEventType().getType()).isEqualTo(5);
        assertThat(ingress.getL4().getTCP().getSourcePort())
                .isEqualTo(egress.getL4().getTCP().getSourcePort());
        assertThat(ingress.getPolicyMatchType()).isZero();
        assertThat(ingress.getSource().getIdentity()).isEqualTo((int) WEB);
        assertThat(ingress.getDestination().getIdentity()).isEqualTo((int) DB);
        // A default deny: no rule denied it, so nothing claims to (as Cilium).
        assertThat(ingress.getIngressDeniedByList()).isEmpty();
        assertThat(ingress.getIngressAllowedByList()).isEmpty();
        assertThat(ingress.hasIsReply())
                .as("Cilium leaves is_reply unknown on drops")
                .isFalse();

        // Cilium's drop notification of the same packet follows the policy verdict.
        assertThat(drop.getEventType().getType()).isEqualTo(1);
        assertThat(drop.getEventType().getSubType()).isEqualTo(133);
        assertThat(drop.getVerdict()).isEqualTo(Verdict.DROPPED);
        assertThat(drop.getDropReasonDesc()).isEqualTo(DropReason.POLICY_DENIED);
        assertThat(drop.getTrafficDirection()).isEqualTo(TrafficDirection.INGRESS);
        assertThat(drop.getUuid()).isNotEqualTo(ingress.getUuid());
        assertThat(drop.getIP()).isEqualTo(ingress.getIP());
        assertThat(drop.getL4()).isEqualTo(ingress.getL4());
        assertThat(drop.getSource()).isEqualTo(ingress.getSource());
        assertThat(drop.getDestination()).isEqualTo(ingress.getDestination());
        assertThat(drop.getPolicyMatchType()).isZero();
        assertThat(drop.hasIsReply()).isFalse();
        assertThat(drop.getIngressDeniedByList()).isEmpty();

        List<Flow> evil = flows.stream()
                .filter(f -> f.getL4().getTCP().getDestinationPort() == 5434)
                .toList();
        assertThat(evil).hasSize(3);
        Flow deny = evil.get(1);
        assertThat(deny.getDropReasonDesc()).isEqualTo(DropReason.POLICY_DENY);
        assertThat(deny.getPolicyMatchType()).isEqualTo(1);
        assertThat(deny.getIngressDeniedByList()).containsExactly(policy("CiliumNetworkPolicy", "db-deny-evil"));
        assertThat(evil.get(2).getEventType().getType()).isEqualTo(1);
        assertThat(evil.get(2).getEventType().getSubType()).isEqualTo(181);
        assertThat(evil.get(2).getIngressDeniedByList()).isEmpty();
        assertThat(evil.get(0).getEgressAllowedByList()).isEmpty();

        String metrics =
                given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics)
                .contains("tendril_agent_probes_total{verdict=\"DROPPED\"}")
                .contains("tendril_agent_flows_emitted_total");
    }

    private static Policy policy(String kind, String name) {
        Policy.Builder b = Policy.newBuilder()
                .setKind(kind)
                .setNamespace("shop")
                .setName(name)
                .setRevision(POLICY_REVISION)
                .addLabels("k8s:io.cilium.k8s.policy.derived-from=" + kind)
                .addLabels("k8s:io.cilium.k8s.policy.name=" + name)
                .addLabels("k8s:io.cilium.k8s.policy.namespace=shop");
        return b.build();
    }

    private List<ConsumerRecord<String, byte[]>> flowRecords(int atLeast) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p)) {
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> !consumer.partitionsFor(flowsTopic).isEmpty());
            List<TopicPartition> parts = consumer.partitionsFor(flowsTopic).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition()))
                    .toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                return out.size() >= atLeast;
            });
        }
        return out;
    }

    private static ValidatableResponse probe(String body) {
        return given().contentType(ContentType.JSON)
                .body(body)
                .post("/v1/probe")
                .then();
    }

    private static byte[] endpoint(String pod, String node, String ipv4, long identity) {
        return Endpoint.newBuilder()
                .setNamespace("shop")
                .setPod(pod)
                .setUid("uid-" + pod)
                .setNode(node)
                .setIpv4(ipv4)
                .setIdentity((int) identity)
                .putLabels("app", pod)
                .build()
                .toByteArray();
    }

    private static PolicyMapEntry.Builder entry(PolicyMapKey key, boolean deny, String... policies) {
        PolicyMapValue value = deny ? PolicyMapValue.deny(key) : PolicyMapValue.allow(key);
        return PolicyMapEntry.newBuilder()
                .setKey(ByteString.copyFrom(key.encode()))
                .setValue(ByteString.copyFrom(value.encode()))
                .addAllPolicies(List.of(policies));
    }

    private static void send(KafkaProducer<String, byte[]> producer, String topic, String key, byte[] value)
            throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value)).get();
    }

    private KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }
}
