package dev.tendril.cli.services;

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

/** {@code tendril get services|endpointslices} against a stand-in policy service answering the contract's views. */
class GetServicesCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static final String SERVICES = """
            [{"namespace":"demo","name":"backend","type":"ClusterIP","clusterIPs":["10.96.0.10"],
              "ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":"8080","nodePort":0}],
              "selector":{"app":"backend"},"sessionAffinity":"None",
              "backends":[{"address":"10.0.1.5","port":8080,"protocol":"TCP","pod":"demo/backend-1","node":"node-1"},
                          {"address":"10.0.2.5","port":8080,"protocol":"TCP","pod":"demo/backend-2","node":"node-2"},
                          {"address":"10.2.0.7","port":8080,"protocol":"TCP","pod":"demo/backend-7","node":"node-1",
                           "cluster":"west"}],
              "conditions":[],"revision":4},
             {"namespace":"demo","name":"web","type":"NodePort","clusterIPs":["10.96.0.11","fd00:10:96::b"],
              "ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":"http","nodePort":30080},
                       {"name":"dns","protocol":"UDP","port":53,"targetPort":"53"}],
              "backends":[],"conditions":[],"revision":5},
             {"namespace":"shop","name":"cart","type":"ClusterIP","clusterIPs":["10.96.0.12"],
              "ports":[{"protocol":"TCP","port":8080}],"backends":[],"revision":6}]""";
    static final String SLICES = """
            [{"namespace":"demo","name":"backend-tendril","service":"backend","addressType":"IPv4",
              "managedBy":"endpointslice-controller.tendril.dev",
              "ports":[{"name":"http","protocol":"TCP","port":8080}],
              "endpoints":[{"addresses":["10.0.1.5"],"ready":true,"nodeName":"node-1","targetRef":"demo/backend-1"},
                           {"addresses":["10.0.2.5"],"ready":true,"nodeName":"node-2","targetRef":"demo/backend-2"},
                           {"addresses":["10.0.2.6"],"ready":true},{"addresses":["10.0.2.7"],"ready":true},
                           {"addresses":["10.0.2.8"],"ready":true}]},
             {"namespace":"demo","name":"web-1","service":"web","addressType":"IPv4","managedBy":"",
              "ports":[],"endpoints":[]}]""";

    @TempDir
    Path dataDir;

    private Function<Request, Response> routes = request -> switch (request.uri()) {
        case "/v1/services" -> Response.ok(SERVICES);
        case "/v1/endpointslices" -> Response.ok(SLICES);
        default -> Response.problem(404, "no route");
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
    void listsTheServicesOfOneNamespaceWithKubectlsPortCells() {
        Result result = run("get", "svc", "-n", "demo");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("""
                NAME      TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)               BACKENDS
                backend   ClusterIP   10.96.0.10   <none>        80/TCP                3 (1 in west)
                web       NodePort    10.96.0.11   <none>        80:30080/TCP,53/UDP   0
                """);
        assertThat(policy.requests()).extracting(Request::toString).containsExactly("GET /v1/services");
    }

    @Test
    void allNamespacesAddsTheNamespaceColumnAndJsonIsTheServicesViews() throws IOException {
        Result all = run("get", "services", "-A");
        Result json = run("get", "services", "-n", "shop", "-o", "json");
        Result none = run("get", "services");

        assertThat(all.out().lines().toList())
                .containsExactly(
                        "NAMESPACE   NAME      TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)               BACKENDS",
                        "demo        backend   ClusterIP   10.96.0.10   <none>        80/TCP                3 (1 in west)",
                        "demo        web       NodePort    10.96.0.11   <none>        80:30080/TCP,53/UDP   0",
                        "shop        cart      ClusterIP   10.96.0.12   <none>        8080/TCP              0");
        assertThat(JSON.readTree(json.out()))
                .isEqualTo(JSON.createArrayNode().add(JSON.readTree(SERVICES).get(2)));
        assertThat(none.out()).isEqualTo("No resources found in default namespace.\n");
    }

    @Test
    void listsEndpointSlicesAsKubectlDoes() throws IOException {
        Result result = run("get", "eps", "-n", "demo");
        Result json = run("get", "endpointslices", "-A", "-o", "json");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("""
                NAME              ADDRESSTYPE   PORTS     ENDPOINTS                                SERVICE   MANAGED-BY
                backend-tendril   IPv4          8080      10.0.1.5,10.0.2.5,10.0.2.6 + 2 more...   backend   endpointslice-controller.tendril.dev
                web-1             IPv4          <unset>   <unset>                                  web       <none>
                """);
        assertThat(JSON.readTree(json.out())).isEqualTo(JSON.readTree(SLICES));
    }

    @Test
    void aRefusalIsOneLineAndExitsNonZero() {
        routes = request -> new Response(403, """
                {"title":"Forbidden","status":403,"detail":"viewer role required"}""");

        Result result = run("get", "services");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).isEqualTo("Error: Forbidden: viewer role required (HTTP 403)\n");
    }

    private Result run(String... args) {
        String[] withData = new String[args.length + 2];
        System.arraycopy(args, 0, withData, 0, args.length);
        withData[args.length] = "--data-dir";
        withData[args.length + 1] = dataDir.toString();
        return FakeService.run(null, withData);
    }
}
