package dev.tendril.cli.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.cli.FakeCluster;
import dev.tendril.cli.FakeService;
import dev.tendril.cli.FakeService.Response;
import dev.tendril.cli.FakeService.Result;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tendril bpf ...} against in-memory agents answering the map dumps of docs/agent.md. */
class BpfCommandsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String IPCACHE = """
            {"map":"tendril_ipcache","entries":2,"rows":[
              {"prefix":"10.0.1.2/32","identity":1000},{"prefix":"10.0.2.0/24","identity":2}]}""";
    private static final String ENDPOINTS = """
            {"map":"tendril_lxc","entries":1,"rows":[{"ip":"10.0.2.2","endpointId":3,"identity":1001}]}""";

    @TempDir
    Path dataDir;

    private FakeCluster cluster;

    @BeforeEach
    void start() throws IOException {
        cluster = new FakeCluster("node-1", "node-2");
        cluster.stack(dataDir);
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void listsTheIpcacheOfTheFirstNodeByDefault() throws IOException {
        cluster.agentRoutes = request ->
                request.uri().equals("/v1/maps/ipcache") ? Response.ok(IPCACHE) : Response.problem(404, "no route");

        Result table = run("bpf", "ipcache", "list");
        Result json = run("bpf", "ipcache", "list", "-o", "json");

        assertThat(table.exitCode()).as(table.err()).isZero();
        assertThat(table.out()).isEqualTo("""
                IP PREFIX/ADDRESS   IDENTITY
                10.0.1.2/32         identity=1000
                10.0.2.0/24         identity=2
                """);
        assertThat(JSON.readTree(json.out())).isEqualTo(JSON.readTree(IPCACHE));
        assertThat(cluster.requests("node-1")).hasSize(2);
        assertThat(cluster.requests("node-2")).isEmpty();
    }

    @Test
    void listsTheEndpointsOfTheNamedNode() {
        cluster.agentRoutes = request ->
                request.uri().equals("/v1/maps/endpoints") ? Response.ok(ENDPOINTS) : Response.problem(404, "no route");

        Result result = run("bpf", "endpoint", "list", "--node", "node-2");
        Result unknown = run("bpf", "endpoint", "list", "--node", "node-7");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("""
                IP ADDRESS   LOCAL ENDPOINT INFO
                10.0.2.2     id=3 sec_id=1001
                """);
        assertThat(cluster.requests("node-1")).isEmpty();
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err()).isEqualTo("Error: no agent for node 'node-7' (nodes: node-1, node-2)\n");
    }

    @Test
    void showsThePolicyMapOfAPodFromTheAgentHoldingItWithPeerLabels() {
        FakeCluster.Pod frontend = cluster.pod("node-1", "demo", "frontend", "u1", Map.of("app", "frontend"));
        cluster.pod("node-2", "demo", "database", "u2", Map.of("app", "database"));
        cluster.agentRoutes = request -> request.uri().equals("/v1/maps/policy/demo/database")
                ? Response.ok("""
                {"map":"tendril_policy_00002","entries":4,"rows":[
                  {"direction":"egress","identity":0,"protocol":"ANY","port":0,"portPrefixBits":0,"deny":false,"proxyPort":0},
                  {"direction":"ingress","identity":%d,"protocol":"TCP","port":80,"portPrefixBits":16,"deny":false,"proxyPort":0},
                  {"direction":"ingress","identity":%d,"protocol":"TCP","port":8080,"portPrefixBits":13,"deny":true,"proxyPort":0},
                  {"direction":"ingress","identity":2,"protocol":"UDP","port":0,"portPrefixBits":0,"deny":false,"proxyPort":15001}]}""".formatted(frontend.identity(), frontend.identity()))
                : Response.problem(404, "no route");

        Result result = run("bpf", "policy", "get", "demo/database");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("""
                Endpoint demo/database on node-2 (tendril_policy_00002, 4 entries)
                POLICY   DIRECTION   LABELS (IDENTITY)         PORT/PROTO      PROXY PORT
                Allow    Egress      ANY                       ANY             NONE
                Allow    Ingress     k8s:app=frontend (%1$d)   80/TCP          NONE
                Deny     Ingress     k8s:app=frontend (%1$d)   8080-8087/TCP   NONE
                Allow    Ingress     unknown (2)               ANY/UDP         15001
                """.formatted(frontend.identity()));
        assertThat(cluster.requests("node-1"))
                .extracting(FakeService.Request::uri)
                .containsExactly("/v1/endpoints");
    }

    @Test
    void listsTheProgramsTheKernelRunsPerEndpoint() throws IOException {
        String programs = """
                {"datapath":"kernel (tc), 4 programs","socketLbPrograms":[41,42],"rows":[
                  {"endpointId":3,"pod":"demo/frontend","interfaceName":"lxc3a9f","attachMode":"tcx",
                   "fromContainer":17,"toContainer":18},
                  {"endpointId":5,"pod":null,"interfaceName":"lxc77e0","attachMode":"tcx",
                   "fromContainer":17,"toContainer":0}]}""";
        cluster.agentRoutes = request ->
                request.uri().equals("/v1/programs") ? Response.ok(programs) : Response.problem(404, "no route");

        Result table = run("bpf", "prog", "list");
        Result json = run("bpf", "prog", "list", "-o", "json");

        assertThat(table.exitCode()).as(table.err()).isZero();
        assertThat(table.out()).isEqualTo("""
                ENDPOINT   POD             INTERFACE   ATTACH   FROM-CONTAINER   TO-CONTAINER
                3          demo/frontend   lxc3a9f     tcx      17               18
                5          -               lxc77e0     tcx      17               none
                """);
        assertThat(JSON.readTree(json.out())).isEqualTo(JSON.readTree(programs));
    }

    static final String LB = """
            [{"frontend":"10.96.0.10:80/TCP","service":"demo/backend","type":"ClusterIP","revNat":3,
              "flags":["ClusterIP","sessionAffinity"],
              "backends":[{"slot":2,"id":8,"address":"10.0.2.5:8080/TCP","state":"active"},
                          {"slot":1,"id":7,"address":"10.0.1.5:8080/TCP","state":"active"},
                          {"slot":3,"id":12,"address":"10.2.0.7:8080/TCP","state":"active","clusterId":2,
                           "cluster":"west"}]},
             {"frontend":"0.0.0.0:30080/TCP","service":"demo/web","type":"NodePort","revNat":5,
              "flags":["NodePort"],"backends":[{"slot":1,"id":9}]},
             {"frontend":"[fd00:10:96::a]:53/UDP","service":"demo/dns","type":"ClusterIP","revNat":4,
              "flags":["ClusterIP"],"backends":[]}]""";

    @Test
    void listsTheLoadBalancingEntriesAsCiliumDoes() throws IOException {
        cluster.agentRoutes =
                request -> request.uri().equals("/v1/maps/lb") ? Response.ok(LB) : Response.problem(404, "no route");

        Result table = run("bpf", "lb", "list", "--node", "node-2");
        Result json = run("bpf", "lb", "ls", "-o", "json");

        assertThat(table.exitCode()).as(table.err()).isZero();
        assertThat(table.out()).isEqualTo("""
                SERVICE ADDRESS          BACKEND ADDRESS (REVNAT_ID) (SLOT)
                0.0.0.0:30080/TCP        0.0.0.0:0 (5) (0) [NodePort]
                                         backend 9 not found
                10.96.0.10:80/TCP        0.0.0.0:0 (3) (0) [ClusterIP, sessionAffinity]
                                         10.0.1.5:8080/TCP (3) (1)
                                         10.0.2.5:8080/TCP (3) (2)
                                         10.2.0.7:8080/TCP (3) (3) (cluster west)
                [fd00:10:96::a]:53/UDP   [::]:0 (4) (0) [ClusterIP]
                """);
        assertThat(JSON.readTree(json.out())).isEqualTo(JSON.readTree(LB));
        assertThat(cluster.requests("node-2"))
                .extracting(FakeService.Request::uri)
                .containsExactly("/v1/maps/lb");
    }

    @Test
    void anAgentWithoutTheLoadBalancingDumpIsOneLine() {
        cluster.agentRoutes = request -> Response.problem(404, "no route");

        Result result = run("bpf", "lb", "list");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err().lines().toList()).hasSize(1);
        assertThat(result.err()).startsWith("Error: ").contains("no route");
    }

    private Result run(String... args) {
        String[] withData = new String[args.length + 2];
        System.arraycopy(args, 0, withData, 0, args.length);
        withData[args.length] = "--data-dir";
        withData[args.length + 1] = dataDir.toString();
        return FakeService.run(null, withData);
    }
}
