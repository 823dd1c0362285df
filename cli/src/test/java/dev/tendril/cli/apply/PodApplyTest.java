package dev.tendril.cli.apply;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.cli.FakeCluster;
import dev.tendril.cli.FakeService;
import dev.tendril.cli.FakeService.Request;
import dev.tendril.cli.FakeService.Response;
import dev.tendril.cli.FakeService.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tendril apply -f} and {@code delete -f} of pods against an in-memory identity service and two agents. */
class PodApplyTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private FakeCluster cluster;
    private Path dataDir;

    @BeforeEach
    void start() throws IOException {
        cluster = new FakeCluster("node-1", "node-2");
        dataDir = Files.createDirectories(dir.resolve("data"));
        cluster.stack(dataDir);
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private static String pod(String name, String labels, String extraSpec) {
        return """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                  namespace: demo
                  labels: %s
                spec:
                %s  containers:
                  - name: main
                    image: nginx
                    ports:
                    - {name: http, containerPort: 80}
                    - {containerPort: 9090, protocol: UDP}
                """.formatted(name, labels, extraSpec);
    }

    @Test
    void createsAPodOnTheAgentWithTheFewestEndpointsAndSendsTheEndpointRequest() throws IOException {
        cluster.pod("node-1", "demo", "existing", "u-1", Map.of("app", "x"));

        Result result = run(
                "apply",
                "-f",
                write("pods.yaml", pod("frontend", "{app: frontend}", "  serviceAccountName: web\n"))
                        .toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("pod/frontend created\n");
        Request post = cluster.requests("node-2").stream()
                .filter(r -> r.method().equals("POST"))
                .findFirst()
                .orElseThrow();
        JsonNode body = JSON.readTree(post.body());
        assertThat(body.fieldNames())
                .toIterable()
                .containsExactly("namespace", "pod", "uid", "labels", "serviceAccount", "namedPorts");
        assertThat(body.path("namespace").asText()).isEqualTo("demo");
        assertThat(body.path("pod").asText()).isEqualTo("frontend");
        assertThat(body.path("uid").asText()).matches("[0-9a-f-]{36}");
        assertThat(body.path("labels")).isEqualTo(JSON.readTree("{\"app\":\"frontend\"}"));
        assertThat(body.path("serviceAccount").asText()).isEqualTo("web");
        assertThat(body.path("namedPorts"))
                .isEqualTo(JSON.readTree("[{\"name\":\"http\",\"port\":80,\"protocol\":\"TCP\"}]"));
        assertThat(cluster.pods().get("demo/frontend").node()).isEqualTo("node-2");
    }

    @Test
    void spreadsNewPodsOverTheAgentsCountingThoseOfTheSameRunAndBreaksTiesByNodeName() throws IOException {
        cluster.pod("node-2", "demo", "existing", "u-1", Map.of("app", "x"));

        Result result = run(
                "apply",
                "-f",
                write(
                                "pods.yaml",
                                pod("a", "{app: a}", "") + "---\n" + pod("b", "{app: b}", "") + "---\n"
                                        + pod("c", "{app: c}", ""))
                        .toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out().lines()).containsExactly("pod/a created", "pod/b created", "pod/c created");
        assertThat(cluster.pods().get("demo/a").node()).isEqualTo("node-1");
        assertThat(cluster.pods().get("demo/b").node()).isEqualTo("node-1");
        assertThat(cluster.pods().get("demo/c").node()).isEqualTo("node-2");
    }

    @Test
    void placesAPodOnItsNodeNameAndRejectsAnUnknownNodeBeforeAnyWrite() throws IOException {
        Result pinned = run(
                "apply",
                "-f",
                write("a.yaml", pod("a", "{app: a}", "  nodeName: node-2\n")).toString());
        Result unknown = run(
                "apply",
                "-f",
                write("b.yaml", pod("b", "{app: b}", "  nodeName: node-9\n")).toString());

        assertThat(pinned.exitCode()).as(pinned.err()).isZero();
        assertThat(cluster.pods().get("demo/a").node()).isEqualTo("node-2");
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err().lines())
                .containsExactly(
                        "Error: " + dir.resolve("b.yaml") + ": document 1: spec.nodeName: no agent runs node \"node-9\""
                                + " (nodes: node-1, node-2)",
                        "nothing applied: 1 error");
        assertThat(cluster.pods()).doesNotContainKey("demo/b");
    }

    @Test
    void refusesToMoveARunningPodToAnotherNode() throws IOException {
        cluster.pod("node-1", "demo", "a", "u-1", Map.of("app", "a"));

        Result result = run(
                "apply",
                "-f",
                write("a.yaml", pod("a", "{app: a}", "  nodeName: node-2\n")).toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("spec.nodeName: pod demo/a runs on node-1; delete it to move it to node-2");
    }

    @Test
    void relabelsAnExistingPodInPlaceWithItsUidAndSaysConfigured() throws IOException {
        FakeCluster.Pod before = cluster.pod("node-2", "demo", "frontend", "uid-7", Map.of("app", "frontend"));

        Result result = run(
                "apply",
                "-f",
                write("a.yaml", pod("frontend", "{app: frontend, tier: web}", ""))
                        .toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("pod/frontend configured\n");
        FakeCluster.Pod after = cluster.pods().get("demo/frontend");
        assertThat(after.uid()).isEqualTo("uid-7");
        assertThat(after.node()).isEqualTo("node-2");
        assertThat(after.labels()).containsEntry("tier", "web");
        assertThat(after.identity()).isNotEqualTo(before.identity());
        assertThat(cluster.requests("node-1")).extracting(Request::method).doesNotContain("POST");
    }

    @Test
    void leavesAnIdenticalPodUnchangedWithoutWriting() throws IOException {
        Path file = write("a.yaml", pod("frontend", "{app: frontend}", ""));
        run("apply", "-f", file.toString());
        String uid = cluster.pods().get("demo/frontend").uid();

        Result again = run("apply", "-f", file.toString());

        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.out()).isEqualTo("pod/frontend unchanged\n");
        assertThat(cluster.pods().get("demo/frontend").uid()).isEqualTo(uid);
        assertThat(cluster.log().stream().filter(line -> line.contains("POST /v1/endpoints")))
                .hasSize(1);
    }

    @Test
    void appliesNamespacesThenPoliciesThenPodsAndDeletesInReverse() throws IOException {
        cluster.policyRoutes =
                request -> request.method().equals("DELETE") ? Response.ok("{\"revision\":3}") : Response.ok("""
                        {"revision":2,"policies":[{"kind":"NetworkPolicy","namespace":"demo","name":"deny",\
                        "revision":2,"result":"created"}],"warnings":[]}""");
        Path file = write("all.yaml", pod("web", "{app: web}", "") + """
                ---
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: deny, namespace: demo}
                spec: {podSelector: {}}
                ---
                apiVersion: v1
                kind: Namespace
                metadata: {name: demo}
                """);

        Result applied = run("apply", "-f", file.toString());
        Result deleted = run("delete", "-f", file.toString());

        assertThat(applied.exitCode()).as(applied.err()).isZero();
        assertThat(applied.out().lines())
                .containsExactly(
                        "namespace/demo created", "networkpolicy.networking.k8s.io/deny created", "pod/web created");
        assertThat(deleted.exitCode()).as(deleted.err()).isZero();
        assertThat(deleted.out().lines())
                .containsExactly(
                        "pod \"web\" deleted",
                        "networkpolicy.networking.k8s.io \"deny\" deleted",
                        "namespace \"demo\" deleted");
        assertThat(cluster.log())
                .filteredOn(line -> !line.contains(" GET "))
                .containsExactly(
                        "policy PUT /v1/policies?dryRun=true",
                        "identity PUT /v1/namespaces/demo",
                        "policy PUT /v1/policies",
                        "node-1 POST /v1/endpoints",
                        "node-1 DELETE /v1/endpoints/demo/web?uid=" + uidOfDeleted(),
                        "policy DELETE /v1/policies/NetworkPolicy/demo/deny",
                        "identity DELETE /v1/namespaces/demo");
    }

    private String uidOfDeleted() {
        return cluster.log().stream()
                .filter(line -> line.contains("DELETE /v1/endpoints/demo/web?uid="))
                .findFirst()
                .orElseThrow()
                .replaceAll(".*uid=", "");
    }

    @Test
    void deletesAPodOnTheAgentHoldingItWithItsUid() throws IOException {
        cluster.pod("node-2", "demo", "frontend", "uid-9", Map.of("app", "frontend"));

        Result result = run(
                "delete",
                "-f",
                write("a.yaml", pod("frontend", "{app: frontend}", "")).toString());
        Result missing = run(
                "delete", "-f", write("b.yaml", pod("gone", "{app: gone}", "")).toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("pod \"frontend\" deleted\n");
        assertThat(cluster.requests("node-2"))
                .extracting(Request::toString)
                .contains("DELETE /v1/endpoints/demo/frontend?uid=uid-9");
        assertThat(cluster.pods()).doesNotContainKey("demo/frontend");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("Error: pod \"gone\" in namespace \"demo\" not found\n");
    }

    @Test
    void deletesWithTheGracePeriodOfTheFlagElseOfTheManifestElseAtOnce() throws IOException {
        cluster.pod("node-1", "demo", "a", "uid-a", Map.of("app", "a"));
        cluster.pod("node-1", "demo", "b", "uid-b", Map.of("app", "b"));
        cluster.pod("node-2", "demo", "c", "uid-c", Map.of("app", "c"));
        String graceful = "  terminationGracePeriodSeconds: 45\n";

        Result flag = run(
                "delete",
                "--grace-period",
                "20",
                "-f",
                write("a.yaml", pod("a", "{app: a}", graceful)).toString());
        Result manifest = run(
                "delete", "-f", write("b.yaml", pod("b", "{app: b}", graceful)).toString());
        Result forced = run(
                "delete",
                "--grace-period",
                "0",
                "-f",
                write("c.yaml", pod("c", "{app: c}", graceful)).toString());

        assertThat(flag.exitCode()).as(flag.err()).isZero();
        assertThat(flag.out()).isEqualTo("pod \"a\" terminating (removed at 1970-01-01T00:00:20Z)\n");
        assertThat(manifest.out()).isEqualTo("pod \"b\" terminating (removed at 1970-01-01T00:00:45Z)\n");
        assertThat(forced.out()).isEqualTo("pod \"c\" deleted\n");
        assertThat(cluster.requests("node-1"))
                .extracting(Request::toString)
                .contains(
                        "DELETE /v1/endpoints/demo/a?uid=uid-a&gracePeriodSeconds=20",
                        "DELETE /v1/endpoints/demo/b?uid=uid-b&gracePeriodSeconds=45");
        assertThat(cluster.requests("node-2"))
                .extracting(Request::toString)
                .contains("DELETE /v1/endpoints/demo/c?uid=uid-c");
        assertThat(cluster.pods()).containsKeys("demo/a", "demo/b").doesNotContainKey("demo/c");
    }

    @Test
    void refusesABadGracePeriodBeforeDeletingAnything() throws IOException {
        cluster.pod("node-1", "demo", "a", "uid-a", Map.of("app", "a"));
        Path file = write("a.yaml", pod("a", "{app: a}", ""));

        Result negative = run("delete", "--grace-period", "-1", "-f", file.toString());
        Result badManifest = run(
                "delete",
                "-f",
                write("b.yaml", pod("a", "{app: a}", "  terminationGracePeriodSeconds: soon\n"))
                        .toString());

        assertThat(negative.exitCode()).isEqualTo(1);
        assertThat(negative.err()).contains("--grace-period: must be 0..31536000 seconds, got -1");
        assertThat(badManifest.exitCode()).isEqualTo(1);
        assertThat(badManifest.err()).contains("spec.terminationGracePeriodSeconds: must be a whole number");
        assertThat(cluster.log()).noneMatch(line -> line.contains("DELETE"));
        assertThat(cluster.pods()).containsKey("demo/a");
    }

    @Test
    void appliesNothingOfAFileWithOneInvalidPod() throws IOException {
        Path file = write(
                "a.yaml",
                """
                apiVersion: v1
                kind: Namespace
                metadata: {name: demo}
                ---
                """ + pod("good", "{app: good}", "") + "---\n"
                        + pod("bad", "{app: bad}", "").replace("name: http", "name: http-metrics-endpoint"));

        Result result = run("apply", "-f", file.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err().lines())
                .containsExactly(
                        "Error: " + file + ": document 3:"
                                + " spec.containers[0].ports[0].name: \"http-metrics-endpoint\" must be 1-15 characters (an IANA service name)",
                        "nothing applied: 1 error");
        assertThat(cluster.log()).isEmpty();
    }

    private Result run(String... args) {
        String[] withData = new String[args.length + 2];
        System.arraycopy(args, 0, withData, 0, args.length);
        withData[args.length] = "--data-dir";
        withData[args.length + 1] = dataDir.toString();
        return FakeService.run(null, withData);
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }
}
