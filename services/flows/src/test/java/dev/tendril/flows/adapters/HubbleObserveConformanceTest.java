package dev.tendril.flows.adapters;

import static dev.tendril.flows.adapters.HubbleFlows.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnknownFieldSet;
import dev.tendril.api.hubble.flow.Endpoint;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.hubble.flow.FlowFilter;
import dev.tendril.api.hubble.flow.ICMPv4;
import dev.tendril.api.hubble.flow.Layer4;
import dev.tendril.api.hubble.flow.TCPFlags;
import dev.tendril.api.hubble.flow.Verdict;
import dev.tendril.api.hubble.observer.GetFlowsRequest;
import dev.tendril.api.hubble.observer.GetFlowsResponse;
import dev.tendril.api.hubble.observer.ObserverGrpc;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code hubble observe}'s flags against the real flows service: each test writes the GetFlowsRequest
 * the hubble CLI sends for a flag and checks Tendril's answer. The requests are taken from the CLI's
 * source, cilium/cilium {@code hubble/cmd/observe/flows.go} ({@code getFlowsRequest}: the defaults,
 * {@code --last}, {@code --first}, {@code --all}, {@code -f}, {@code --since}, {@code --field-mask}) and
 * {@code hubble/cmd/observe/flows_filter.go} ({@code filterTracker}: each filter flag, {@code --not},
 * the namespace flags and {@code -A}); the flag list is the CLI reference of Hubble's documentation
 * ("hubble observe flags"). Fields Tendril's api/ does not declare yet are written as upstream's
 * field numbers, as a client generated from upstream's flow.proto puts them on the wire.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class HubbleObserveConformanceTest {

    /** upstream flow.FlowFilter and observer.GetFlowsRequest field numbers */
    private static final int EVENT_TYPE = 6;

    private static final int DESTINATION_FQDN = 8;
    private static final int HTTP_METHOD = 21;
    private static final int SOURCE_SERVICE = 16;
    private static final int SOURCE_WORKLOAD = 26;
    private static final int TRACE_ID = 28;
    private static final int INTERFACE = 35;
    private static final int NODE_LABELS = 36;
    private static final int SOURCE_CLUSTER_NAME = 37;
    private static final int ENDPOINT_WORKLOADS = 6;
    private static final int ENDPOINT_CLUSTER_NAME = 7;
    private static final int FLOW_NODE_LABELS = 37;
    private static final int FLOW_L7 = 15;
    private static final int DROP_REASON_DESC = 33;
    private static final int FILTER_EXPERIMENTAL = 999;
    private static final int REQUEST_EXPERIMENTAL = 999;
    private static final long ALL = -1L; // ^uint64(0), what --all sends

    @Inject
    FlowQueries queries;

    private static ManagedChannel channel;
    private static FlowProducer producer;

    @BeforeAll
    static void connect() {
        URI base = URI.create(ConfigProvider.getConfig().getValue("test.url", String.class));
        channel = ManagedChannelBuilder.forAddress(base.getHost(), base.getPort())
                .usePlaintext()
                .build();
        producer = new FlowProducer();
    }

    @AfterAll
    static void disconnect() throws InterruptedException {
        producer.close();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @BeforeEach
    void ingestIsReady() {
        await().atMost(Duration.ofSeconds(60)).until(() -> FlowsApiTest.rows("last=1") != null);
    }

    private record Scenario(String ns, List<Flow> flows, Instant t0) {}

    /**
     * 25 flows in a fresh namespace, 10 ms apart, the newest of the whole ring (pod names carry the
     * namespace, so any-namespace filters find only this scenario's): frontend to database
     * (every fifth dropped by policy), one ICMP echo, one to a name, each with its own UUID.
     */
    private static Scenario scenario() {
        String ns = "c" + UUID.randomUUID().toString().substring(0, 8);
        // Endpoint cluster_name and workloads, Flow node_labels: upstream fields the agent fills by number.
        Endpoint frontend = pod(ns, "frontend-" + ns, 17901, "frontend").toBuilder()
                .setUnknownFields(UnknownFieldSet.newBuilder()
                        .addField(
                                ENDPOINT_WORKLOADS,
                                UnknownFieldSet.Field.newBuilder()
                                        .addLengthDelimited(message(1, List.of("frontend"))
                                                .concat(message(2, List.of("Deployment"))))
                                        .build())
                        .addField(
                                ENDPOINT_CLUSTER_NAME,
                                UnknownFieldSet.Field.newBuilder()
                                        .addLengthDelimited(ByteString.copyFromUtf8("prod-" + ns))
                                        .build())
                        .build())
                .build();
        Endpoint database = pod(ns, "database-0", 29433, "database");
        // Ahead of every flow another test wrote, so "the last 20 of the ring" are this scenario's.
        Instant t0 = Instant.now().plusSeconds(600).truncatedTo(ChronoUnit.MILLIS);
        List<Flow> flows = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            Instant at = t0.plusMillis(10L * i);
            Flow.Builder flow = i % 5 == 4
                    ? HubbleFlows.denied(
                            at, ns + "-n1", frontend, "10.7.1.5", 40000 + i, database, "10.7.2.9", 5432, ns, "p")
                    : HubbleFlows.forwarded(
                            at, ns + "-n1", frontend, "10.7.1.5", 40000 + i, database, "10.7.2.9", 5432);
            if (i == 10) {
                flow.setL4(Layer4.newBuilder().setICMPv4(ICMPv4.newBuilder().setType(8)));
            }
            if (i == 11) {
                flow.addDestinationNames("api.cilium.io");
            }
            if (i == 12) {
                // upstream Layer4 oneof: VRRP = 6
                flow.setL4(Layer4.newBuilder()
                        .setUnknownFields(UnknownFieldSet.newBuilder()
                                .addField(
                                        6,
                                        UnknownFieldSet.Field.newBuilder()
                                                .addLengthDelimited(ByteString.EMPTY)
                                                .build())
                                .build()));
            }
            if (i < 3) {
                flow.setUnknownFields(UnknownFieldSet.newBuilder()
                        .addField(
                                FLOW_NODE_LABELS,
                                UnknownFieldSet.Field.newBuilder()
                                        .addLengthDelimited(ByteString.copyFromUtf8("zone=" + ns))
                                        .build())
                        .build());
            }
            if (i == 13) {
                // upstream Flow l7 = 15 {http = 101 {code = 1: 200}}
                flow.setUnknownFields(UnknownFieldSet.newBuilder()
                        .addField(
                                FLOW_L7,
                                UnknownFieldSet.Field.newBuilder()
                                        .addLengthDelimited(lengthDelimited(
                                                101, ByteString.copyFrom(new byte[] {8, (byte) 200, 1})))
                                        .build())
                        .build());
            }
            flows.add(flow.setUuid(ns + "-" + i).build());
        }
        producer.send(flows);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> get(namespace(ns).setNumber(100)).size() == 25);
        return new Scenario(ns, flows, t0);
    }

    /** -n ns: filterTracker's namespace modifier, source_pod ["ns/"] OR destination_pod ["ns/"]. */
    private static GetFlowsRequest.Builder namespace(String ns) {
        return GetFlowsRequest.newBuilder()
                .addWhitelist(FlowFilter.newBuilder().addSourcePod(ns + "/"))
                .addWhitelist(FlowFilter.newBuilder().addDestinationPod(ns + "/"));
    }

    private static List<Flow> get(GetFlowsRequest.Builder request) {
        List<Flow> flows = new ArrayList<>();
        ObserverGrpc.newBlockingStub(channel)
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .getFlows(request.build())
                .forEachRemaining(r -> {
                    if (r.hasFlow()) {
                        flows.add(r.getFlow());
                    }
                });
        return flows;
    }

    private static List<String> uuids(List<Flow> flows) {
        return flows.stream().map(Flow::getUuid).toList();
    }

    private static List<String> uuids(Scenario s, int... indexes) {
        List<String> out = new ArrayList<>();
        for (int i : indexes) {
            out.add(s.ns() + "-" + i);
        }
        return out;
    }

    private static int[] range(int from, int to) {
        return java.util.stream.IntStream.range(from, to).toArray();
    }

    @Test
    void defaultRequestsLastFirstAllSince() {
        Scenario s = scenario();
        // hubble observe: no since/until/first/follow, so last = defaults.FlowPrintCount (20)
        assertThat(uuids(get(GetFlowsRequest.newBuilder().setNumber(20)))).isEqualTo(uuids(s, range(5, 25)));
        // --last 3 -n ns
        assertThat(uuids(get(namespace(s.ns()).setNumber(3)))).isEqualTo(uuids(s, 22, 23, 24));
        // --first 2 -n ns
        assertThat(uuids(get(namespace(s.ns()).setNumber(2).setFirst(true)))).isEqualTo(uuids(s, 0, 1));
        // --all -n ns: number = ^uint64(0)
        assertThat(uuids(get(namespace(s.ns()).setNumber(ALL)))).isEqualTo(uuids(s, range(0, 25)));
        // --since T -n ns: number stays 0, the server ends the range now
        var since = HubbleFlows.time(s.t0().plusMillis(200));
        assertThat(uuids(get(namespace(s.ns()).setSince(since)))).isEqualTo(uuids(s, range(20, 25)));
        // --since T --last 2 -n ns: the first 2 at or after since, as Hubble's ring reader counts
        assertThat(uuids(get(namespace(s.ns()).setSince(since).setNumber(2)))).isEqualTo(uuids(s, 20, 21));
        // --since T --until U -n ns
        var until = HubbleFlows.time(s.t0().plusMillis(220));
        assertThat(uuids(get(namespace(s.ns()).setSince(since).setUntil(until))))
                .isEqualTo(uuids(s, 20, 21, 22));
    }

    @Test
    void followWithoutNumberStartsAtTheEnd() {
        Scenario s = scenario();
        int before = queries.activeFollowers();
        // hubble observe -f -n ns: follow, number 0 (no default --last in follow mode)
        Iterator<GetFlowsResponse> stream = ObserverGrpc.newBlockingStub(channel)
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .getFlows(namespace(s.ns()).setFollow(true).build());
        await().atMost(Duration.ofSeconds(30)).until(() -> queries.activeFollowers() > before);
        Flow fresh = HubbleFlows.forwarded(
                        Instant.now(),
                        s.ns() + "-n1",
                        pod(s.ns(), "late-1", 5, "late"),
                        "10.7.9.9",
                        1,
                        pod(s.ns(), "database-0", 29433, "database"),
                        "10.7.2.9",
                        5432)
                .setUuid(s.ns() + "-fresh")
                .build();
        producer.send(List.of(fresh));
        assertThat(stream.next().getFlow().getUuid())
                .as("the first flow a bare follow sends is the new one, not a replay")
                .isEqualTo(s.ns() + "-fresh");
    }

    @Test
    void podAndNamespaceFlagsAsTheCliSendsThem() {
        Scenario s = scenario();
        // -A: namespace "" gives source_pod ["/"] | destination_pod ["/"]; with --pod frontend: "/frontend"
        var all = GetFlowsRequest.newBuilder()
                .setNumber(ALL)
                .addWhitelist(FlowFilter.newBuilder().addSourcePod("/frontend-" + s.ns()))
                .addWhitelist(FlowFilter.newBuilder().addDestinationPod("/frontend-" + s.ns()));
        assertThat(get(all)).hasSize(25);
        var anyNamespaceAndPod = GetFlowsRequest.newBuilder()
                .setNumber(ALL)
                .addWhitelist(FlowFilter.newBuilder().addSourcePod("/").addDestinationPod(s.ns() + "/"));
        assertThat(get(anyNamespaceAndPod)).hasSize(25);
        // --pod frontend-<ns> without a namespace: Hubble reads default/frontend-<ns>, not this namespace's pod
        var bare = GetFlowsRequest.newBuilder()
                .setNumber(ALL)
                .addWhitelist(FlowFilter.newBuilder().addSourcePod("frontend-" + s.ns()));
        assertThat(get(bare)).isEmpty();
        // --from-pod ns/frontend --to-port 5432 --verdict DROPPED
        var dropped = GetFlowsRequest.newBuilder()
                .setNumber(ALL)
                .addWhitelist(FlowFilter.newBuilder()
                        .addSourcePod(s.ns() + "/frontend-")
                        .addDestinationPort("5432")
                        .addVerdict(Verdict.DROPPED));
        assertThat(uuids(get(dropped))).isEqualTo(uuids(s, 4, 9, 14, 19, 24));
        // --not --verdict FORWARDED -n ns: a blacklist filter
        var notForwarded = namespace(s.ns())
                .setNumber(ALL)
                .addBlacklist(FlowFilter.newBuilder().addVerdict(Verdict.FORWARDED));
        assertThat(uuids(get(notForwarded))).isEqualTo(uuids(s, 4, 9, 14, 19, 24));
        // --ip-version v4 --tcp-flags SYN --traffic-direction ingress --node-name ns-* -n ns
        var l4 = GetFlowsRequest.newBuilder()
                .setNumber(ALL)
                .addWhitelist(FlowFilter.newBuilder()
                        .addSourcePod(s.ns() + "/")
                        .addIpVersionValue(1)
                        .addTcpFlags(TCPFlags.newBuilder().setSYN(true))
                        .addTrafficDirectionValue(1)
                        .addNodeName(s.ns() + "-*"));
        assertThat(get(l4)).as("all but the ICMP and VRRP flows").hasSize(23);
    }

    @Test
    void protocolsTypesDropReasonsUuidAndFqdn() {
        Scenario s = scenario();
        // --protocol icmp: ICMPv4 or ICMPv6
        assertThat(uuids(get(namespace(s.ns())
                        .setNumber(ALL)
                        .addWhitelist(
                                0,
                                FlowFilter.newBuilder()
                                        .addSourcePod(s.ns() + "/")
                                        .addProtocol("icmp")))))
                .contains(s.ns() + "-10");
        var icmp = GetFlowsRequest.newBuilder()
                .setNumber(ALL)
                .addWhitelist(FlowFilter.newBuilder().addSourcePod(s.ns() + "/").addProtocol("icmp"));
        assertThat(uuids(get(icmp))).isEqualTo(uuids(s, 10));
        // --protocol http, vrrp: the flows with an HTTP record, a VRRP header
        for (String protocol : List.of("http", "vrrp")) {
            var matching = GetFlowsRequest.newBuilder()
                    .setNumber(ALL)
                    .addWhitelist(
                            FlowFilter.newBuilder().addSourcePod(s.ns() + "/").addProtocol(protocol));
            assertThat(uuids(get(matching))).as(protocol).isEqualTo(uuids(s, protocol.equals("http") ? 13 : 12));
        }
        // --protocol dns, kafka, igmp: accepted; no flow here carries one
        for (String protocol : List.of("dns", "kafka", "igmp")) {
            var l7 = GetFlowsRequest.newBuilder()
                    .setNumber(ALL)
                    .addWhitelist(
                            FlowFilter.newBuilder().addSourcePod(s.ns() + "/").addProtocol(protocol));
            assertThat(get(l7)).as(protocol).isEmpty();
        }
        // --type drop: event_type [{type: 1}]
        var drops = GetFlowsRequest.newBuilder()
                .setNumber(ALL)
                .addWhitelist(withUnknown(
                        FlowFilter.newBuilder().addSourcePod(s.ns() + "/"), EVENT_TYPE, eventTypeFilter(1, false, 0)));
        assertThat(uuids(get(drops))).isEqualTo(uuids(s, 4, 9, 14, 19, 24));
        // --type trace:to-endpoint: event_type [{type: 4, match_sub_type: true, sub_type: 0}]
        var traces = GetFlowsRequest.newBuilder()
                .setNumber(ALL)
                .addWhitelist(withUnknown(
                        FlowFilter.newBuilder().addSourcePod(s.ns() + "/"), EVENT_TYPE, eventTypeFilter(4, true, 0)));
        assertThat(get(traces)).hasSize(20);
        // --drop-reason-desc POLICY_DENIED: drop_reason_desc [133], packed
        var denied = GetFlowsRequest.newBuilder()
                .setNumber(ALL)
                .addWhitelist(
                        withUnknown(FlowFilter.newBuilder().addSourcePod(s.ns() + "/"), DROP_REASON_DESC, packed(133)));
        assertThat(get(denied)).hasSize(5);
        // --uuid X
        var uuid = GetFlowsRequest.newBuilder()
                .setNumber(ALL)
                .addWhitelist(FlowFilter.newBuilder().addUuid(s.ns() + "-7"));
        assertThat(uuids(get(uuid))).isEqualTo(uuids(s, 7));
        // --to-fqdn *.cilium.io
        var fqdn = GetFlowsRequest.newBuilder()
                .setNumber(ALL)
                .addWhitelist(withUnknown(
                        FlowFilter.newBuilder().addSourcePod(s.ns() + "/"),
                        DESTINATION_FQDN,
                        ByteString.copyFromUtf8("*.cilium.io")));
        assertThat(uuids(get(fqdn))).isEqualTo(uuids(s, 11));
    }

    @Test
    void workloadClusterAndNodeLabelFilters() {
        Scenario s = scenario();
        // --from-workload Deployment/frontend: source_workload [{kind: Deployment, name: frontend}]
        var workload = GetFlowsRequest.newBuilder()
                .setNumber(ALL)
                .addWhitelist(withUnknown(
                        FlowFilter.newBuilder().addDestinationPod(s.ns() + "/"),
                        SOURCE_WORKLOAD,
                        message(1, List.of("frontend")).concat(message(2, List.of("Deployment")))));
        assertThat(get(workload)).hasSize(25);
        var otherWorkload = GetFlowsRequest.newBuilder()
                .setNumber(ALL)
                .addWhitelist(withUnknown(
                        FlowFilter.newBuilder().addDestinationPod(s.ns() + "/"),
                        SOURCE_WORKLOAD,
                        message(1, List.of("database"))));
        assertThat(get(otherWorkload)).isEmpty();
        // --from-cluster prod-<ns>
        var cluster = GetFlowsRequest.newBuilder()
                .setNumber(ALL)
                .addWhitelist(withUnknown(
                        FlowFilter.newBuilder(), SOURCE_CLUSTER_NAME, ByteString.copyFromUtf8("prod-" + s.ns())));
        assertThat(get(cluster)).hasSize(25);
        // --node-label zone=<ns>
        var nodeLabel = GetFlowsRequest.newBuilder()
                .setNumber(ALL)
                .addWhitelist(
                        withUnknown(FlowFilter.newBuilder(), NODE_LABELS, ByteString.copyFromUtf8("zone=" + s.ns())));
        assertThat(uuids(get(nodeLabel))).isEqualTo(uuids(s, 0, 1, 2));
    }

    @Test
    void flagsTendrilCannotEvaluateAreRefusedByName() {
        record Refused(String name, int number, ByteString value) {}
        for (Refused r : List.of(
                new Refused("http_method", HTTP_METHOD, ByteString.copyFromUtf8("GET")),
                new Refused("source_service", SOURCE_SERVICE, ByteString.copyFromUtf8("default/web")),
                new Refused("trace_id", TRACE_ID, ByteString.copyFromUtf8("4bf92f3577b34da6")),
                new Refused("interface", INTERFACE, ByteString.copyFromUtf8("\n\u0004eth0")),
                new Refused(
                        "experimental.cel_expression", FILTER_EXPERIMENTAL, ByteString.copyFromUtf8("\n\u0001x")))) {
            var request = GetFlowsRequest.newBuilder()
                    .setNumber(20)
                    .addWhitelist(withUnknown(FlowFilter.newBuilder(), r.number(), r.value()));
            assertThatThrownBy(() -> get(request))
                    .as(r.name())
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).startsWith("whitelist[0]." + r.name() + ": ");
                    });
        }
    }

    @Test
    void fieldMaskLeavesOnlyTheListedPaths() {
        Scenario s = scenario();
        // --field-mask time,verdict,source.pod_name -o jsonpb: experimental.field_mask
        ByteString mask = message(1, List.of("time", "verdict", "source.pod_name"));
        ByteString experimental = message(1, List.of()).concat(lengthDelimited(1, mask));
        var request = namespace(s.ns()).setNumber(1);
        request.setUnknownFields(UnknownFieldSet.newBuilder()
                .addField(
                        REQUEST_EXPERIMENTAL,
                        UnknownFieldSet.Field.newBuilder()
                                .addLengthDelimited(experimental)
                                .build())
                .build());
        Flow masked = get(request).getFirst();
        Flow expected = s.flows().getLast();
        assertThat(masked)
                .isEqualTo(Flow.newBuilder()
                        .setTime(expected.getTime())
                        .setVerdict(expected.getVerdict())
                        .setSource(Endpoint.newBuilder()
                                .setPodName(expected.getSource().getPodName()))
                        .build());
    }

    private static FlowFilter.Builder withUnknown(FlowFilter.Builder filter, int number, ByteString value) {
        return filter.setUnknownFields(UnknownFieldSet.newBuilder()
                .addField(
                        number,
                        UnknownFieldSet.Field.newBuilder()
                                .addLengthDelimited(value)
                                .build())
                .build());
    }

    private static ByteString eventTypeFilter(int type, boolean matchSubType, int subType) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            out.writeInt32(1, type);
            if (matchSubType) {
                out.writeBool(2, true);
            }
            if (subType != 0) {
                out.writeInt32(3, subType);
            }
            out.flush();
            return ByteString.copyFrom(bytes.toByteArray());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ByteString packed(int... values) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            for (int v : values) {
                out.writeEnumNoTag(v);
            }
            out.flush();
            return ByteString.copyFrom(bytes.toByteArray());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ByteString message(int number, List<String> strings) {
        ByteString out = ByteString.EMPTY;
        for (String s : strings) {
            out = out.concat(lengthDelimited(number, ByteString.copyFromUtf8(s)));
        }
        return out;
    }

    private static ByteString lengthDelimited(int number, ByteString value) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            out.writeBytes(number, value);
            out.flush();
            return ByteString.copyFrom(bytes.toByteArray());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
