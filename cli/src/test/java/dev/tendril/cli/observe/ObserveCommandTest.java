package dev.tendril.cli.observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.BoolValue;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import dev.tendril.api.hubble.flow.CiliumEventType;
import dev.tendril.api.hubble.flow.DropReason;
import dev.tendril.api.hubble.flow.Endpoint;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.hubble.flow.FlowType;
import dev.tendril.api.hubble.flow.IP;
import dev.tendril.api.hubble.flow.Layer4;
import dev.tendril.api.hubble.flow.LostEvent;
import dev.tendril.api.hubble.flow.LostEventSource;
import dev.tendril.api.hubble.flow.Policy;
import dev.tendril.api.hubble.flow.Service;
import dev.tendril.api.hubble.flow.SocketTranslationPoint;
import dev.tendril.api.hubble.flow.TCP;
import dev.tendril.api.hubble.flow.TCPFlags;
import dev.tendril.api.hubble.flow.TraceObservationPoint;
import dev.tendril.api.hubble.flow.UDP;
import dev.tendril.api.hubble.flow.Verdict;
import dev.tendril.api.hubble.observer.GetFlowsResponse;
import dev.tendril.cli.FakeService;
import dev.tendril.cli.FakeService.Response;
import dev.tendril.cli.FakeService.Result;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ObserveCommandTest {

    private static final JsonFormat.Printer JSON =
            JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();
    private static final Timestamp T1 = Timestamp.newBuilder()
            .setSeconds(1_795_703_467L)
            .setNanos(892_000_000)
            .build();
    private static final Timestamp T2 = Timestamp.newBuilder()
            .setSeconds(1_795_703_468L)
            .setNanos(3_000_000)
            .build();

    /** demo/frontend -> demo/database:80 dropped by a NetworkPolicy. */
    static final Flow DROPPED = Flow.newBuilder()
            .setTime(T1)
            .setNodeName("node-1")
            .setVerdict(Verdict.DROPPED)
            .setDropReasonDesc(DropReason.POLICY_DENIED)
            .setEventType(CiliumEventType.newBuilder().setType(1).setSubType(133))
            .setIP(IP.newBuilder().setSource("10.0.1.5").setDestination("10.0.2.9"))
            .setL4(Layer4.newBuilder()
                    .setTCP(TCP.newBuilder()
                            .setSourcePort(43210)
                            .setDestinationPort(80)
                            .setFlags(TCPFlags.newBuilder().setSYN(true))))
            .setSource(Endpoint.newBuilder()
                    .setIdentity(17901)
                    .setNamespace("demo")
                    .setPodName("frontend"))
            .setDestination(Endpoint.newBuilder()
                    .setIdentity(29433)
                    .setNamespace("demo")
                    .setPodName("database"))
            .addIngressDeniedBy(Policy.newBuilder()
                    .setName("default-deny-ingress")
                    .setNamespace("demo")
                    .setKind("NetworkPolicy")
                    .setRevision(3))
            .build();

    /** world 203.0.113.7:443 -> demo/frontend, a reply, forwarded. */
    static final Flow FORWARDED = Flow.newBuilder()
            .setTime(T2)
            .setNodeName("node-2")
            .setVerdict(Verdict.FORWARDED)
            .setEventType(CiliumEventType.newBuilder().setType(4))
            .setTraceObservationPoint(TraceObservationPoint.TO_ENDPOINT)
            .setIP(IP.newBuilder().setSource("203.0.113.7").setDestination("10.0.1.5"))
            .setL4(Layer4.newBuilder()
                    .setTCP(TCP.newBuilder()
                            .setSourcePort(443)
                            .setDestinationPort(43210)
                            .setFlags(TCPFlags.newBuilder().setSYN(true).setACK(true))))
            .setSource(Endpoint.newBuilder().setIdentity(2))
            .setDestination(Endpoint.newBuilder()
                    .setIdentity(17901)
                    .setNamespace("demo")
                    .setPodName("frontend"))
            .setIsReply(BoolValue.of(true))
            .build();

    /**
     * Hubble's compact line after the time; the node ({@code [node-1]}) only with --print-node-name. A drop leaves
     * is_reply unknown: Hubble's arrow is {@code <>}.
     */
    private static final String DROPPED_LINE = ": demo/frontend:43210 (ID:17901) <> demo/database:80 (ID:29433)"
            + " Policy denied DROPPED (TCP Flags: SYN) policy: NetworkPolicy/demo/default-deny-ingress";

    private static final String FORWARDED_LINE = ": demo/frontend:43210 (ID:17901) <- 203.0.113.7:443 (world)"
            + " to-endpoint FORWARDED (TCP Flags: SYN, ACK)";
    /** Hubble's compact time, {@code MMM ppd HH:mm:ss.SSS}, in whatever zone the test runs. */
    private static final String TIME = "[A-Z][a-z]{2} [ 1-3]\\d \\d{2}:\\d{2}:\\d{2}\\.\\d{3}";

    @TempDir
    Path dataDir;

    private FakeService service;

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
    }

    private void serve(Function<FakeService.Request, Response> routes) throws IOException {
        service = new FakeService(routes);
        service.stack(dataDir, "flows");
    }

    private Result observe(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "observe";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--data-dir";
        all[args.length + 2] = dataDir.toString();
        return FakeService.run(null, all);
    }

    static String row(Flow flow) {
        return print(GetFlowsResponse.newBuilder()
                .setFlow(flow)
                .setNodeName(flow.getNodeName())
                .setTime(flow.getTime())
                .build());
    }

    static String lostRow(long count) {
        return print(GetFlowsResponse.newBuilder()
                .setLostEvents(LostEvent.newBuilder()
                        .setSource(LostEventSource.HUBBLE_RING_BUFFER)
                        .setNumEventsLost(count))
                .setNodeName("node-1")
                .setTime(T2)
                .build());
    }

    private static String print(GetFlowsResponse response) {
        try {
            return JSON.print(response);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String query(FakeService.Request request) {
        String uri = request.uri();
        return URLDecoder.decode(uri.substring(uri.indexOf('?') + 1), StandardCharsets.UTF_8);
    }

    private void serveRows(String... rows) throws IOException {
        serve(request -> Response.ok("[" + String.join(",", rows) + "]"));
    }

    @Test
    void sendsEachFlagAsTheFlowsServiceQueryParameter() throws IOException {
        serveRows();
        Result result = observe(
                "-n",
                "demo",
                "--from-namespace",
                "a",
                "--to-namespace",
                "b",
                "--pod",
                "frontend",
                "--pod",
                "kube-system/coredns",
                "--from-pod",
                "demo/web",
                "--to-pod",
                "db",
                "-l",
                "app in (a,b)",
                "--from-label",
                "k8s:app=x",
                "--to-label",
                "!tier",
                "--ip",
                "10.0.0.0/8",
                "--from-ip",
                "10.0.1.5",
                "--to-ip",
                "fd00::1",
                "--port",
                "80",
                "--from-port",
                "43210",
                "--to-port",
                "443",
                "--identity",
                "17901",
                "--from-identity",
                "2",
                "--to-identity",
                "29433",
                "--verdict",
                "dropped",
                "--verdict",
                "FORWARDED",
                "--protocol",
                "tcp",
                "--tcp-flags",
                "SYN,ACK",
                "--ip-version",
                "4",
                "--node-name",
                "node-*",
                "--traffic-direction",
                "ingress",
                "--last",
                "5",
                "--since",
                "5m",
                "--until",
                "2026-11-26T14:31:07Z");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(service.requests()).hasSize(1);
        assertThat(service.requests().get(0).uri()).startsWith("/v1/flows?");
        assertThat(query(service.requests().get(0)))
                .isEqualTo(String.join(
                        "&",
                        "namespace=demo",
                        "from-namespace=a",
                        "to-namespace=b",
                        "pod=frontend",
                        "pod=kube-system/coredns",
                        "from-pod=demo/web",
                        "to-pod=db",
                        "label=app in (a,b)",
                        "from-label=k8s:app=x",
                        "to-label=!tier",
                        "ip=10.0.0.0/8",
                        "from-ip=10.0.1.5",
                        "to-ip=fd00::1",
                        "port=80",
                        "from-port=43210",
                        "to-port=443",
                        "identity=17901",
                        "from-identity=2",
                        "to-identity=29433",
                        "verdict=DROPPED",
                        "verdict=FORWARDED",
                        "protocol=tcp",
                        "tcp-flags=SYN,ACK",
                        "ip-version=4",
                        "node=node-*",
                        "traffic-direction=ingress",
                        "last=5",
                        "since=5m",
                        "until=2026-11-26T14:31:07Z"));
    }

    @Test
    void sendsHubblesOtherFlagsAndNotAsBlacklistParameters() throws IOException {
        serveRows();
        Result result = observe(
                "-A",
                "-t",
                "drop",
                "--type",
                "trace:to-endpoint",
                "--not",
                "--verdict",
                "forwarded",
                "--uuid",
                "u-1",
                "--drop-reason-desc",
                "POLICY_DENIED",
                "--fqdn",
                "*.cilium.io",
                "--not",
                "--pod=kube-system/",
                "--http-method",
                "GET",
                "--not",
                "-A",
                "--all",
                "--field-mask",
                "time,verdict",
                "-o",
                "jsonpb");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(query(service.requests().get(0)))
                .isEqualTo(String.join(
                        "&",
                        "all-namespaces=true",
                        "type=drop",
                        "type=trace:to-endpoint",
                        "uuid=u-1",
                        "drop-reason-desc=POLICY_DENIED",
                        "fqdn=*.cilium.io",
                        "http-method=GET",
                        "not-verdict=FORWARDED",
                        "not-pod=kube-system/",
                        "not-all-namespaces=true",
                        "field-mask=time",
                        "field-mask=verdict",
                        "all=true"));
    }

    @Test
    void sendsFirstAndNothingElseWhenOnlyFirstIsGiven() throws IOException {
        serveRows();
        assertThat(observe("--first", "3").exitCode()).isZero();
        assertThat(query(service.requests().get(0))).isEqualTo("first=3");
    }

    @Test
    void compactPrintsHubbleLinesWithThePolicyThatDroppedTheFlow() throws IOException {
        serveRows(row(DROPPED), row(FORWARDED));
        Result result = observe();

        assertThat(result.exitCode()).as(result.err()).isZero();
        List<String> lines = result.out().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).matches(TIME + "\\Q" + DROPPED_LINE + "\\E");
        assertThat(lines.get(1)).matches(TIME + "\\Q" + FORWARDED_LINE + "\\E");
        assertThat(lines.get(0))
                .isEqualTo(FlowPrinter.COMPACT.format(
                        DROPPED.toBuilder().clearNodeName().build()));
        assertThat(result.err()).isEmpty();
    }

    @Test
    void printNodeNamePutsTheNodeAfterTheTimeAsHubble() throws IOException {
        serveRows(row(DROPPED), row(FORWARDED));
        Result result = observe("--print-node-name");

        assertThat(result.exitCode()).as(result.err()).isZero();
        List<String> lines = result.out().lines().toList();
        assertThat(lines.get(0)).matches(TIME + " \\Q[node-1]" + DROPPED_LINE + "\\E");
        assertThat(lines.get(1)).matches(TIME + " \\Q[node-2]" + FORWARDED_LINE + "\\E");
        assertThat(lines.get(0)).isEqualTo(FlowPrinter.COMPACT.format(DROPPED));
        assertThat(result.err()).isEmpty();
    }

    @Test
    void jsonPrintsEachRowAsOneObjectPerLine() throws IOException {
        serveRows(row(DROPPED), row(FORWARDED), lostRow(7));
        for (String format : List.of("json", "jsonpb")) {
            Result result = observe("-o", format);

            assertThat(result.exitCode()).as(result.err()).isZero();
            List<String> lines = result.out().lines().toList();
            ObjectMapper mapper = new ObjectMapper();
            assertThat(lines).hasSize(3);
            assertThat(mapper.readTree(lines.get(0))).isEqualTo(mapper.readTree(row(DROPPED)));
            assertThat(mapper.readTree(lines.get(1))).isEqualTo(mapper.readTree(row(FORWARDED)));
            assertThat(mapper.readTree(lines.get(2))).isEqualTo(mapper.readTree(lostRow(7)));
            assertThat(lines.get(0)).contains("\"ingress_denied_by\":[{\"name\":\"default-deny-ingress\"");
        }
    }

    @Test
    void tablePrintsHubbleColumnsWithThePolicyCauseInTheSummary() throws IOException {
        serveRows(row(DROPPED), row(FORWARDED));
        Result result = observe("-o", "table");

        assertThat(result.exitCode()).as(result.err()).isZero();
        List<String> lines = result.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).matches("TIMESTAMP\\s+SOURCE\\s+DESTINATION\\s+TYPE\\s+VERDICT\\s+SUMMARY");
        assertThat(lines.get(1))
                .matches(TIME + "\\s+demo/frontend:43210\\s+demo/database:80\\s+Policy denied\\s+DROPPED"
                        + "\\s+\\QTCP Flags: SYN policy: NetworkPolicy/demo/default-deny-ingress\\E");
        assertThat(lines.get(2))
                .matches(TIME + "\\s+203\\.0\\.113\\.7:443\\s+demo/frontend:43210\\s+to-endpoint\\s+FORWARDED"
                        + "\\s+\\QTCP Flags: SYN, ACK\\E");
        assertThat(lines.get(1).indexOf("DROPPED")).isEqualTo(lines.get(2).indexOf("FORWARDED"));
    }

    @Test
    void lostEventsArePrintedOnStandardErrorLikeHubble() throws IOException {
        serveRows(row(DROPPED), lostRow(123), row(FORWARDED));
        Result result = observe();

        assertThat(result.exitCode()).isZero();
        assertThat(result.out().lines()).hasSize(2);
        assertThat(result.err()).isEqualTo("EVENTS LOST: HUBBLE_RING_BUFFER CPU(0) 123" + System.lineSeparator());
    }

    /**
     * A socket-LB translation: demo/frontend connecting to demo/backend's ClusterIP, translated to a backend pod
     * (Cilium's TraceSock event, Type SOCK, verdict TRANSLATED, destination_service set).
     */
    static final Flow TRANSLATED = Flow.newBuilder()
            .setTime(T1)
            .setVerdict(Verdict.TRANSLATED)
            .setType(FlowType.SOCK)
            .setEventType(CiliumEventType.newBuilder().setType(7))
            .setIP(IP.newBuilder().setSource("10.0.1.5").setDestination("10.0.2.7"))
            .setL4(Layer4.newBuilder()
                    .setTCP(TCP.newBuilder().setSourcePort(43210).setDestinationPort(8080)))
            .setSource(Endpoint.newBuilder()
                    .setIdentity(17901)
                    .setNamespace("demo")
                    .setPodName("frontend"))
            .setDestination(Endpoint.newBuilder().setIdentity(29001))
            .setDestinationService(Service.newBuilder().setName("backend").setNamespace("demo"))
            .setSockXlatePoint(SocketTranslationPoint.SOCK_XLATE_POINT_POST_DIRECTION_FWD)
            .setIsReply(BoolValue.of(false))
            .build();

    /** demo/frontend connecting to a Service without backends: dropped at the socket (reason 158). */
    static final Flow NO_BACKEND = Flow.newBuilder()
            .setTime(T2)
            .setVerdict(Verdict.DROPPED)
            .setDropReasonDesc(DropReason.SERVICE_BACKEND_NOT_FOUND)
            .setEventType(CiliumEventType.newBuilder().setType(1).setSubType(158))
            .setIP(IP.newBuilder().setSource("10.0.1.5").setDestination("10.96.0.12"))
            .setL4(Layer4.newBuilder()
                    .setUDP(UDP.newBuilder().setSourcePort(5353).setDestinationPort(53)))
            .setSource(Endpoint.newBuilder()
                    .setIdentity(17901)
                    .setNamespace("demo")
                    .setPodName("frontend"))
            .setDestination(Endpoint.newBuilder().setIdentity(2))
            .setDestinationService(Service.newBuilder().setName("dns").setNamespace("demo"))
            .build();

    @Test
    void aDestinationWithoutAPodButWithAServicePrintsAsTheServiceAsHubbleDoes() throws IOException {
        serveRows(row(TRANSLATED), row(NO_BACKEND));

        Result compact = observe();
        Result table = observe("-o", "table");
        Result json = observe("-o", "json");

        assertThat(compact.exitCode()).as(compact.err()).isZero();
        List<String> lines = compact.out().lines().toList();
        assertThat(lines.get(0))
                .matches(TIME + ": demo/frontend:43210 \\(ID:17901\\) -> demo/backend:8080 \\(ID:29001\\)"
                        + " post-xlate-fwd TRANSLATED \\(TCP\\)");
        assertThat(lines.get(1))
                .matches(TIME + ": demo/frontend:5353 \\(ID:17901\\) <> demo/dns:53 \\(world\\)"
                        + " Service backend not found DROPPED \\(UDP\\)");
        assertThat(table.out().lines().toList().get(1))
                .contains("demo/frontend:43210")
                .contains("demo/backend:8080")
                .contains("TRANSLATED");
        assertThat(json.out().lines().toList().get(0))
                .contains("\"destination_service\":{\"name\":\"backend\",\"namespace\":\"demo\"}");
    }

    @Test
    void aPodOnTheDestinationWinsOverItsService() throws IOException {
        serveRows(row(TRANSLATED.toBuilder()
                .setDestination(Endpoint.newBuilder()
                        .setIdentity(29001)
                        .setNamespace("demo")
                        .setPodName("backend-1"))
                .build()));

        Result compact = observe();

        assertThat(compact.out()).contains("-> demo/backend-1:8080 (ID:29001)");
    }

    @Test
    void followPrintsServerSentEventsUntilTheStreamEnds() throws IOException {
        serve(request -> Response.ok(": follow\n\n"
                + "data: " + row(DROPPED) + "\n\n"
                + ": keep-alive\n\n"
                + "data: " + lostRow(120) + "\n\n"
                + "data: " + row(FORWARDED) + "\n\n"));
        Result result = observe("-f", "--verdict", "DROPPED,FORWARDED", "--until", "1m");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(query(service.requests().get(0))).isEqualTo("verdict=DROPPED,FORWARDED&until=1m&follow=true");
        List<String> lines = result.out().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).endsWith(DROPPED_LINE);
        assertThat(lines.get(1)).endsWith(FORWARDED_LINE);
        assertThat(result.err()).contains("EVENTS LOST: HUBBLE_RING_BUFFER CPU(0) 120");
    }

    @Test
    void followAsTablePrintsTheHeaderOnceAndARowPerEvent() throws IOException {
        serve(request -> Response.ok("data: " + row(DROPPED) + "\n\ndata: " + row(FORWARDED) + "\n\n"));
        Result result = observe("--follow", "-o", "table");

        assertThat(result.exitCode()).as(result.err()).isZero();
        List<String> lines = result.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("TIMESTAMP");
        assertThat(lines.get(1)).contains("policy: NetworkPolicy/demo/default-deny-ingress");
    }

    @Test
    void aFilterTheServiceRefusesIsPrintedAsItsDetailWithExitCode1() throws IOException {
        serve(request -> Response.problem(400, "from-ip: '10.0.0.0/99' has an invalid prefix length (0..32)"));
        Result result = observe("--from-ip", "10.0.0.0/99");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.out()).isEmpty();
        assertThat(result.err())
                .isEqualTo(
                        "Error: from-ip: '10.0.0.0/99' has an invalid prefix length (0..32)" + System.lineSeparator());
    }

    @Test
    void aRefusedFollowIsPrintedTheSameWay() throws IOException {
        serve(request -> Response.problem(400, "node: unbalanced pattern"));
        Result result = observe("--follow", "--node-name", "[");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("Error: node-name: unbalanced pattern" + System.lineSeparator());
    }

    @Test
    void badFlagsAreRefusedBeforeAnyRequestNamingTheFlag() throws IOException {
        serveRows();
        record Case(String name, List<String> args, String message) {}
        for (Case c : List.of(
                new Case(
                        "unknown verdict",
                        List.of("--verdict", "FORWARDED,DENIED"),
                        "--verdict: 'DENIED' is not a verdict"),
                new Case(
                        "since after until",
                        List.of("--since", "2026-11-26T15:00:00Z", "--until", "2026-11-26T14:00:00Z"),
                        "--since: 2026-11-26T15:00:00Z is after --until 2026-11-26T14:00:00Z"),
                new Case(
                        "first and last",
                        List.of("--first", "2", "--last", "3"),
                        "--first cannot be combined with --last"),
                new Case("first and follow", List.of("--first", "2", "-f"), "--first cannot be combined with --follow"),
                new Case("zero last", List.of("--last", "0"), "--last: must be a positive number"),
                new Case("unknown output", List.of("-o", "dict"), "--output"),
                new Case("all and last", List.of("--all", "--last", "3"), "--last cannot be combined with --all"),
                new Case("double not", List.of("--not", "--not", "--pod", "x"), "consecutive --not statements"),
                new Case("not before a non-filter", List.of("--not", "--last", "3"), "--not applies to a filter flag"),
                new Case(
                        "field mask in compact",
                        List.of("--field-mask", "time"),
                        "compact output format is not compatible with custom field mask"))) {
            Result result = observe(c.args().toArray(String[]::new));
            assertThat(result.exitCode()).as(c.name()).isEqualTo(2);
            assertThat(result.err()).as(c.name()).startsWith("Error: ").contains(c.message());
        }
        assertThat(service.requests()).isEmpty();
    }
}
