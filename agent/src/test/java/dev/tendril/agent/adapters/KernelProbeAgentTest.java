package dev.tendril.agent.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import dev.tendril.agent.datapath.fabric.Fabric;
import dev.tendril.agent.datapath.fabric.StackPrefix;
import dev.tendril.agent.datapath.kernel.KernelPodNetwork;
import dev.tendril.agent.datapath.kernel.Responders;
import dev.tendril.api.hubble.flow.DropReason;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.hubble.flow.TrafficDirection;
import dev.tendril.api.hubble.flow.Verdict;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Label;
import dev.tendril.api.v1.NamedPort;
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
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Probes of the agent in kernel mode, over the state topics of a real broker and a fabric of its own: the
 * server pod answers on its named ports (TCP and UDP echo), its policy lets the client in on http (8080)
 * and dns (5353/UDP) only, and a probe is a real connection from the client's namespace. The kernel and the
 * model agree; the dropped probe's flow record on the flows topic is the kernel's (SYN, POLICY_DENIED, the
 * policy that makes the server default-deny), and the forwarded probe gives exactly one record per
 * direction (none of the model's beside the kernel's).
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeControlPlane.class)
@TestProfile(KernelProbeAgentTest.KernelMode.class)
class KernelProbeAgentTest {
    static final StackPrefix PREFIX =
            StackPrefix.derive("KernelProbeAgentTest:" + ProcessHandle.current().pid());
    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String ALLOW = "NetworkPolicy/shop/server-allow";

    public static class KernelMode implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> topics = Map.of(
                    "tendril.agent.sync.enabled",
                    "true",
                    // This test publishes tendril.policy's records: the agent follows that topic.
                    "tendril.agent.sync.policy-source",
                    "topic",
                    "tendril.agent.sync.identities-topic",
                    "kprobe-" + RUN + ".identities",
                    "tendril.agent.sync.endpoints-topic",
                    "kprobe-" + RUN + ".endpoints",
                    "tendril.agent.sync.nodes-topic",
                    "kprobe-" + RUN + ".nodes",
                    "tendril.agent.sync.policy-topic",
                    "kprobe-" + RUN + ".policy",
                    "tendril.agent.flows-topic",
                    "kprobe-" + RUN + ".flows",
                    "tendril.agent.register-node",
                    "true");
            Map<String, String> all = new java.util.HashMap<>(topics);
            if (!KernelPodNetworkTest.available()) {
                all.put("tendril.agent.pod-network", "auto");
                return all;
            }
            all.putAll(Map.of(
                    "tendril.agent.datapath",
                    "bpf",
                    "tendril.agent.bpffs-dir",
                    Fabric.DEFAULT_BPFFS.resolve(PREFIX.value()).toString(),
                    "tendril.agent.fabric.prefix",
                    PREFIX.value(),
                    "tendril.agent.pod-network",
                    "kernel",
                    "tendril.agent.ct-gc-interval",
                    "2s"));
            return all;
        }
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "tendril.agent.sync.identities-topic")
    String identitiesTopic;

    @ConfigProperty(name = "tendril.agent.sync.endpoints-topic")
    String endpointsTopic;

    @ConfigProperty(name = "tendril.agent.sync.policy-topic")
    String policyTopic;

    @ConfigProperty(name = "tendril.agent.flows-topic")
    String flowsTopic;

    @Inject
    PodNetworks pods;

    @Inject
    FlowPublisher flowPublisher;

    @AfterAll
    static void removeTheFabric() {
        if (KernelPodNetworkTest.available()) {
            Fabric.removeAll(PREFIX, Fabric.DEFAULT_BPFFS);
        }
    }

    @Test
    void realProbesMeetTheKernelAgreeWithTheModelAndTheDropIsTheKernelsFlowRecord() throws Exception {
        assumeTrue(KernelPodNetworkTest.available(), "kernel datapath unavailable (KernelPodNetworkTest says why)");
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().get("/q/health/ready")
                        .then()
                        .statusCode(200)
                        .body("checks.data.podNetwork", hasItem(startsWith("kernel (tc), "))));
        JsonPath client = create("client", "");
        JsonPath server = create("server", """
                ,"namedPorts":[{"name":"http","port":8080,"protocol":"TCP"},{"name":"admin","port":9090},
                {"name":"dns","port":5353,"protocol":"UDP"},{"name":"diameter","port":3868,"protocol":"SCTP"}]""");
        long clientId = client.getLong("identity");
        long serverId = server.getLong("identity");
        publish(
                client,
                List.of(),
                SubjectPolicyMap.newBuilder()
                        .setSubject((int) clientId)
                        .setRevision(1)
                        .addEntries(entry(PolicyMapKey.anyProtocol(0, Direction.EGRESS)))
                        .addEntries(entry(PolicyMapKey.anyProtocol(0, Direction.INGRESS)))
                        .build());
        publish(
                server,
                List.of(
                        port("http", 8080, "TCP"),
                        port("admin", 9090, "TCP"),
                        port("dns", 5353, "UDP"),
                        port("diameter", 3868, "SCTP")),
                SubjectPolicyMap.newBuilder()
                        .setSubject((int) serverId)
                        .setRevision(1)
                        .addEntries(entry(PolicyMapKey.anyProtocol(0, Direction.EGRESS)))
                        .addEntries(entry(PolicyMapKey.of(clientId, Direction.INGRESS, IpProtocol.TCP, 8080), ALLOW))
                        .addEntries(entry(PolicyMapKey.of(clientId, Direction.INGRESS, IpProtocol.UDP, 5353), ALLOW))
                        .addIngressEnforcedBy(ALLOW)
                        .build());

        KernelPodNetwork kernel = pods.kernel().orElseThrow();
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    given().get("/v1/maps/policy/shop/server")
                            .then()
                            .statusCode(200)
                            .body("entries", equalTo(3));
                    assertThat(kernel.served("shop/server"))
                            .as("TCP and UDP answer, SCTP is skipped")
                            .isEqualTo(Set.of(
                                    new Responders.Port(8080, IpProtocol.TCP),
                                    new Responders.Port(9090, IpProtocol.TCP),
                                    new Responders.Port(5353, IpProtocol.UDP)));
                });

        probe("{\"from\":\"shop/client\",\"to\":\"shop/server\",\"port\":8080}")
                .statusCode(200)
                .body("verdict", equalTo("FORWARDED"))
                .body("datapath", equalTo("kernel"))
                .body("model", equalTo("FORWARDED"))
                .body("disagrees", equalTo(false));
        probe("{\"from\":\"shop/client\",\"to\":\"shop/server\",\"port\":9090}")
                .statusCode(200)
                .body("verdict", equalTo("DROPPED"))
                .body("datapath", equalTo("kernel"))
                .body("model", equalTo("DROPPED"))
                .body("disagrees", equalTo(false))
                .body("ingress.dropReason", equalTo("POLICY_DENIED"));
        probe("{\"from\":\"shop/client\",\"to\":\"shop/server\",\"port\":5353,\"protocol\":\"UDP\"}")
                .statusCode(200)
                .body("verdict", equalTo("FORWARDED"))
                .body("datapath", equalTo("kernel"))
                .body("model", equalTo("FORWARDED"));
        probe("{\"from\":\"shop/client\",\"to\":\"shop/server\",\"port\":3868,\"protocol\":\"SCTP\"}")
                .statusCode(200)
                .body("verdict", equalTo("DROPPED"))
                .body("datapath", equalTo("model"))
                .body("modelBecause", containsString("SCTP"));
        probe("{\"from\":\"shop/client\",\"to\":\"shop/server\",\"port\":9090,\"model\":true}")
                .statusCode(200)
                .body("verdict", equalTo("DROPPED"))
                .body("datapath", equalTo("model"))
                .body("model", nullValue());

        List<Flow> flows = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        flowPublisher.flush();
                        consumer.poll(Duration.ofMillis(200)).forEach(r -> flows.add(parse(r.value())));
                        return flows.stream().anyMatch(f -> port(f) == 9090 && f.getVerdict() == Verdict.DROPPED)
                                && flows.stream()
                                        .anyMatch(f -> port(f) == 9090
                                                && f.getEventType().getType() == 1)
                                && flows.stream().filter(f -> port(f) == 8080).count() >= 2;
                    });
        }
        Flow drop = flows.stream()
                .filter(f -> port(f) == 9090 && f.getEventType().getType() == 5 && f.getVerdict() == Verdict.DROPPED)
                .findFirst()
                .orElseThrow();
        assertThat(drop.getTrafficDirection()).isEqualTo(TrafficDirection.INGRESS);
        assertThat(drop.getDropReasonDesc()).isEqualTo(DropReason.POLICY_DENIED);
        assertThat(drop.getL4().getTCP().getFlags().getSYN()).isTrue();
        assertThat(drop.getL4().getTCP().getFlags().getACK()).isFalse();
        assertThat(drop.getSource().getPodName()).isEqualTo("client");
        assertThat(drop.getSource().getIdentity()).isEqualTo((int) clientId);
        assertThat(drop.getDestination().getPodName()).isEqualTo("server");
        assertThat(drop.getDestination().getID()).isEqualTo(server.getInt("endpointId"));
        assertThat(drop.getIngressDeniedByList())
                .as("a default deny: the allow policy did not deny it")
                .isEmpty();
        // The probe waits 1 s, the moment Linux first resends an unanswered SYN: under load a second drop of
        // the same connection attempt is reported too, as Hubble would report every dropped packet.
        List<Flow> dropRecords = flows.stream()
                .filter(f -> port(f) == 9090 && f.getEventType().getType() == 1)
                .toList();
        assertThat(dropRecords)
                .as("the kernel's drop records follow its policy verdict, one per dropped SYN of the one attempt")
                .isNotEmpty()
                .allSatisfy(f -> {
                    assertThat(f.getEventType().getSubType()).isEqualTo(133);
                    assertThat(f.getL4().getTCP().getSourcePort())
                            .isEqualTo(drop.getL4().getTCP().getSourcePort());
                });
        assertThat(dropRecords.size())
                .as("at most the SYN and its first resend")
                .isLessThanOrEqualTo(2);

        List<Flow> allowed = flows.stream().filter(f -> port(f) == 8080).toList();
        assertThat(allowed)
                .as("one record per direction: the kernel's, none of the model's")
                .extracting(Flow::getTrafficDirection)
                .containsExactlyInAnyOrder(TrafficDirection.EGRESS, TrafficDirection.INGRESS);
        assertThat(allowed).allSatisfy(f -> {
            assertThat(f.getVerdict()).isEqualTo(Verdict.FORWARDED);
            assertThat(f.getL4().getTCP().getFlags().getSYN()).isTrue();
        });

        given().delete("/v1/endpoints/shop/server?uid=uid-server").then().statusCode(200);
        assertThat(kernel.served("shop/server"))
                .as("the responders stop with the pod")
                .isEmpty();
        given().delete("/v1/endpoints/shop/client?uid=uid-client").then().statusCode(200);
        assertThat(kernel.attachments()).isEmpty();
    }

    private static JsonPath create(String pod, String more) {
        return given().contentType(ContentType.JSON)
                .body("""
                {"namespace":"shop","pod":"%s","uid":"uid-%s","labels":{"app":"%s"}%s}""".formatted(pod, pod, pod, more))
                .post("/v1/endpoints")
                .then()
                .statusCode(201)
                .extract()
                .jsonPath();
    }

    /** What the identity and policy services publish for the endpoint: its identity, itself, its policy map. */
    private void publish(JsonPath ep, List<NamedPort> ports, SubjectPolicyMap policy) throws Exception {
        String pod = ep.getString("pod");
        long identity = ep.getLong("identity");
        try (KafkaProducer<String, byte[]> producer = producer()) {
            send(
                    producer,
                    identitiesTopic,
                    Long.toString(identity),
                    Identity.newBuilder()
                            .setId((int) identity)
                            .addLabels(Label.newBuilder()
                                    .setSource("k8s")
                                    .setKey("app")
                                    .setValue(pod))
                            .addLabels(Label.newBuilder()
                                    .setSource("k8s")
                                    .setKey("io.kubernetes.pod.namespace")
                                    .setValue("shop"))
                            .build()
                            .toByteArray());
            send(
                    producer,
                    endpointsTopic,
                    "shop/" + pod,
                    Endpoint.newBuilder()
                            .setNamespace("shop")
                            .setPod(pod)
                            .setUid(ep.getString("uid"))
                            .setNode("node-1")
                            .setIpv4(ep.getString("ipv4"))
                            .setIpv6(ep.getString("ipv6"))
                            .setIdentity((int) identity)
                            .putLabels("app", pod)
                            .addAllNamedPorts(ports)
                            .build()
                            .toByteArray());
            send(producer, policyTopic, Long.toString(identity), policy.toByteArray());
        }
    }

    private static NamedPort port(String name, int port, String protocol) {
        return NamedPort.newBuilder()
                .setName(name)
                .setPort(port)
                .setProtocol(protocol)
                .build();
    }

    private static PolicyMapEntry entry(PolicyMapKey key, String... policies) {
        return PolicyMapEntry.newBuilder()
                .setKey(ByteString.copyFrom(key.encode()))
                .setValue(ByteString.copyFrom(PolicyMapValue.allow(key).encode()))
                .addAllPolicies(List.of(policies))
                .build();
    }

    private static ValidatableResponse probe(String body) {
        return given().contentType(ContentType.JSON)
                .body(body)
                .post("/v1/probe")
                .then();
    }

    private static int port(Flow f) {
        return f.getL4().hasTCP()
                ? f.getL4().getTCP().getDestinationPort()
                : f.getL4().getUDP().getDestinationPort();
    }

    private static Flow parse(byte[] bytes) {
        try {
            return Flow.parseFrom(bytes);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private KafkaConsumer<String, byte[]> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p);
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> !consumer.partitionsFor(flowsTopic).isEmpty());
        List<TopicPartition> parts = consumer.partitionsFor(flowsTopic).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition()))
                .toList();
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        return consumer;
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
