package dev.tendril.cli.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.cli.FakeService;
import dev.tendril.cli.FakeService.Request;
import dev.tendril.cli.FakeService.Response;
import dev.tendril.cli.FakeService.Result;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tendril get policies} and {@code tendril policy trace|selectors|map} against a stand-in policy service. */
class PolicyCommandsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String POLICIES = """
            [{"kind":"NetworkPolicy","namespace":"demo","name":"default-deny-ingress","revision":3,"subjects":[17901,29433]},
             {"kind":"CiliumNetworkPolicy","namespace":"demo","name":"allow-frontend","revision":5,"subjects":[29433]}]""";
    private static final String DROPPED = """
            {"verdict":"DROPPED",
             "from":{"identity":17901,"labels":["k8s:app=frontend"],"endpoint":"demo/frontend"},
             "to":{"identity":29433,"labels":["k8s:app=database"],"endpoint":"demo/database"},
             "egress":{"verdict":"ALLOWED","matchType":"none","policies":[],"explanation":"egress not enforced"},
             "ingress":{"verdict":"DROPPED","dropReason":"Policy denied","dropReasonCode":133,"matchType":"none",
                        "policies":["NetworkPolicy/demo/default-deny-ingress"],
                        "explanation":"no policy selecting demo/database allows ingress from demo/frontend; default deny from NetworkPolicy/demo/default-deny-ingress"}}""";
    private static final String SELECTORS = """
            [{"selector":"&LabelSelector{MatchLabels:map[k8s:app:database]}","selected":[29433],
              "users":["CiliumNetworkPolicy/demo/allow-frontend"]},
             {"selector":"&LabelSelector{MatchLabels:map[k8s:app:nothing]}","selected":[],
              "users":[{"kind":"NetworkPolicy","namespace":"demo","name":"a"},{"kind":"NetworkPolicy","namespace":"demo","name":"b"}]}]""";
    private static final String POLICY_MAP = """
            {"subject":29433,"revision":5,"ingressEnforcedBy":["NetworkPolicy/demo/default-deny-ingress","CiliumNetworkPolicy/demo/allow-frontend"],
             "egressEnforcedBy":[],
             "entries":[
               {"verdict":"allow","direction":"ingress","identity":17901,"labels":["k8s:app=frontend"],"protocol":"TCP","port":"80",
                "prefixLength":16,"policies":["CiliumNetworkPolicy/demo/allow-frontend"]},
               {"verdict":"allow","direction":"egress","identity":0,"labels":[],"protocol":"ANY","port":"ANY","prefixLength":0,"policies":[]},
               {"verdict":"deny","direction":"ingress","identity":2,"labels":["reserved:world"],"protocol":"UDP","port":"80-83",
                "prefixLength":14,"policies":["CiliumNetworkPolicy/demo/deny-world"]}]}""";

    @TempDir
    Path dataDir;

    private Function<Request, Response> routes =
            request -> switch (request.uri().replaceAll("\\?.*", "")) {
                case "/v1/policies" -> Response.ok(POLICIES);
                case "/v1/trace" -> Response.ok(DROPPED);
                case "/v1/selectors" -> Response.ok(SELECTORS);
                case "/v1/identities/29433/policymap" -> Response.ok(POLICY_MAP);
                default -> Response.problem(404, "identity 1 has no policy map");
            };
    private FakeService policy;

    @BeforeEach
    void start() throws IOException {
        policy = new FakeService(request -> routes.apply(request));
        policy.stack(dataDir, "policy");
    }

    @AfterEach
    void stop() {
        policy.close();
    }

    @Test
    void getPoliciesListsTheDefaultNamespaceANamedOneOrAll() {
        Result result = run("get", "policies");
        run("get", "netpol", "-n", "demo");
        run("get", "policies", "-A");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out().lines().toList())
                .containsExactly(
                        "NAMESPACE   KIND                  NAME                   REVISION   SUBJECTS",
                        "demo        NetworkPolicy         default-deny-ingress   3          2",
                        "demo        CiliumNetworkPolicy   allow-frontend         5          1");
        assertThat(policy.requests())
                .extracting(Request::uri)
                .containsExactly(
                        "/v1/policies?namespace=default&limit=500",
                        "/v1/policies?namespace=demo&limit=500",
                        "/v1/policies?limit=500");
    }

    @Test
    void getPoliciesTakesEitherANamespaceOrAll() {
        Result result = run("get", "policies", "-n", "demo", "-A");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("mutually exclusive");
    }

    @Test
    void traceSendsBothPodsAndThePortAndPrintsEachStep() throws IOException {
        Result result = run("policy", "trace", "--from", "demo/frontend", "--to", "demo/database", "--port", "80/tcp");

        assertThat(result.exitCode()).isZero();
        Request sent = policy.requests().getFirst();
        assertThat(sent.method() + " " + sent.uri()).isEqualTo("POST /v1/trace");
        assertThat(sent.contentType()).isEqualTo("application/json");
        assertThat(JSON.readTree(sent.body())).isEqualTo(JSON.readTree("""
                {"from":{"namespace":"demo","pod":"frontend"},"to":{"namespace":"demo","pod":"database"},
                 "port":80,"protocol":"TCP"}"""));
        assertThat(result.out().lines().toList())
                .containsExactly(
                        "demo/frontend (ID:17901) -> demo/database (ID:29433) 80/TCP",
                        "egress  at demo/frontend: ALLOWED  (egress not enforced)",
                        "ingress at demo/database: DROPPED  Policy denied (133): no policy selecting demo/database allows"
                                + " ingress from demo/frontend; default deny from NetworkPolicy/demo/default-deny-ingress",
                        "verdict: DROPPED");
    }

    @Test
    void traceToAServiceGoesToItsClusterIpAndPrintsTheVerdictAtEachBackend() throws IOException {
        routes = request -> switch (request.uri().replaceAll("\\?.*", "")) {
            case "/v1/services/demo/database" -> Response.ok("""
                    {"namespace":"demo","name":"database","type":"ClusterIP","clusterIPs":["10.96.0.2"]}""");
            case "/v1/trace" -> Response.ok("""
                    {"verdict":"DROPPED","from":{"identity":17901,"endpoint":"demo/frontend"},"port":80,
                     "protocol":"TCP","service":"demo/database",
                     "backends":[{"address":"10.0.1.3","port":5432,"pod":"demo/database","identity":29433,
                                  "verdict":"DROPPED","reason":"Policy denied (133) at ingress"},
                                 {"address":"192.0.2.9","port":5432,"verdict":"UNKNOWN",
                                  "reason":"no known endpoint: policy not traced"}]}""");
            default -> Response.problem(404, "no such thing");
        };

        Result result =
                run("policy", "trace", "--from", "demo/frontend", "--to-service", "demo/database", "--port", "80/tcp");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(policy.requests())
                .extracting(Request::uri)
                .containsExactly("/v1/services/demo/database", "/v1/trace");
        assertThat(JSON.readTree(policy.requests().get(1).body())).isEqualTo(JSON.readTree("""
                {"from":{"namespace":"demo","pod":"frontend"},"to":{"address":"10.96.0.2"},"port":80,"protocol":"TCP"}"""));
        assertThat(result.out().lines().toList())
                .containsExactly(
                        "demo/frontend (ID:17901) -> service demo/database 80/TCP",
                        "  backend 10.0.1.3:5432 demo/database (ID:29433): DROPPED  Policy denied (133) at ingress",
                        "  backend 192.0.2.9:5432: UNKNOWN  no known endpoint: policy not traced",
                        "verdict: DROPPED");
    }

    @Test
    void traceToAServiceTakesNoOtherReceiver() {
        Result result =
                run("policy", "trace", "--from", "demo/a", "--to-service", "demo/s", "--to", "demo/b", "--port", "80");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--to-service goes alone");
        assertThat(policy.requests()).isEmpty();
    }

    @Test
    void traceTakesIdentitiesAndLabelsAndDefaultsToTcp() throws IOException {
        run(
                "policy",
                "trace",
                "--from-identity",
                "2",
                "--to-labels",
                "app=database,tier=db",
                "--to-namespace",
                "demo",
                "--port",
                "5432");
        run(
                "policy",
                "trace",
                "--from-labels",
                "k8s:app=x",
                "--to-identity",
                "29433",
                "--port",
                "53/udp",
                "-o",
                "json");

        assertThat(JSON.readTree(policy.requests().get(0).body())).isEqualTo(JSON.readTree("""
                {"from":{"identity":2},"to":{"labels":{"app":"database","tier":"db"},"namespace":"demo"},
                 "port":5432,"protocol":"TCP"}"""));
        assertThat(JSON.readTree(policy.requests().get(1).body())).isEqualTo(JSON.readTree("""
                {"from":{"labels":{"k8s:app":"x"},"namespace":"default"},"to":{"identity":29433},
                 "port":53,"protocol":"UDP"}"""));
    }

    @Test
    void tracePrintsTheServiceAnswerAsJson() throws IOException {
        Result result = run(
                "policy", "trace", "--from", "demo/frontend", "--to", "demo/database", "--port", "80", "-o", "json");

        assertThat(result.exitCode()).isZero();
        assertThat(JSON.readTree(result.out())).isEqualTo(JSON.readTree(DROPPED));
    }

    @Test
    void traceNeedsExactlyOneSourceAndAValidPort() {
        Result twoSources = run(
                "policy", "trace", "--from", "demo/a", "--from-identity", "2", "--to-identity", "3", "--port", "80");
        Result badPort = run("policy", "trace", "--from", "demo/a", "--to", "demo/b", "--port", "http");

        assertThat(twoSources.exitCode()).isEqualTo(2);
        assertThat(twoSources.err()).startsWith("Error: give exactly one of --from, --from-identity and --from-labels");
        assertThat(badPort.exitCode()).isEqualTo(2);
        assertThat(badPort.err()).contains("--port must be PORT[/PROTOCOL]");
        assertThat(policy.requests()).isEmpty();
    }

    @Test
    void aRejectedTraceShowsTheDetailAndEachError() {
        routes = request -> new Response(400, """
                {"title":"Invalid trace","status":400,"detail":"2 invalid fields",
                 "errors":[{"field":"from.pod","reason":"no endpoint demo/nope"},{"field":"protocol","reason":"unknown protocol XTP"}]}""");

        Result result = run("policy", "trace", "--from", "demo/nope", "--to", "demo/b", "--port", "1/xtp");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err().lines().toList())
                .containsExactly(
                        "Error: Invalid trace: 2 invalid fields (HTTP 400)",
                        "  from.pod: no endpoint demo/nope",
                        "  protocol: unknown protocol XTP");
    }

    @Test
    void selectorsTableListsIdentitiesAndUsers() {
        Result result = run("policy", "selectors");

        assertThat(result.out().lines().toList())
                .containsExactly(
                        "SELECTOR                                            IDENTITIES   USERS",
                        "&LabelSelector{MatchLabels:map[k8s:app:database]}   29433        CiliumNetworkPolicy/demo/allow-frontend",
                        "&LabelSelector{MatchLabels:map[k8s:app:nothing]}    <none>       NetworkPolicy/demo/a,NetworkPolicy/demo/b");
    }

    @Test
    void policyMapShowsEnforcementAndEntries() throws IOException {
        Result result = run("policy", "map", "29433");
        Result json = run("policy", "map", "29433", "-o", "json");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out().lines().toList())
                .containsExactly(
                        "Identity:  29433",
                        "Revision:  5",
                        "Ingress:   enforced by NetworkPolicy/demo/default-deny-ingress,CiliumNetworkPolicy/demo/allow-frontend",
                        "Egress:    not enforced (all allowed)",
                        "",
                        "VERDICT   DIRECTION   IDENTITY   LABELS             PORT/PROTO   POLICIES",
                        "allow     ingress     17901      k8s:app=frontend   80/TCP       CiliumNetworkPolicy/demo/allow-frontend",
                        "allow     egress      ANY        ANY                ANY",
                        "deny      ingress     2          reserved:world     80-83/UDP    CiliumNetworkPolicy/demo/deny-world");
        assertThat(JSON.readTree(json.out())).isEqualTo(JSON.readTree(POLICY_MAP));
    }

    @Test
    void anUnknownIdentityIsOneErrorLine() {
        Result result = run("policy", "map", "1");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("Error: Not Found: identity 1 has no policy map (HTTP 404)\n");
    }

    @Test
    void anUnreachablePolicyServiceSaysHowToStartIt() {
        policy.close();

        Result result = run("get", "policies", "-A");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err())
                .isEqualTo("Error: policy service not reachable at http://127.0.0.1:" + policy.port()
                        + " (is the stack up? ./tendril up)\n");
    }

    private Result run(String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--data-dir";
        all[args.length + 1] = dataDir.toString();
        return FakeService.run(null, all);
    }
}
