package dev.tendril.cli.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.cli.FakeCluster;
import dev.tendril.cli.FakeService.Response;
import dev.tendril.cli.TendrilCommand;
import dev.tendril.cli.stack.StackFabric;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tendril exec} against in-memory agents and a fake machine (namespaces, root, the command it runs). */
class ExecCommandTest {

    private static final String KERNEL = """
            {"status":"UP","checks":[{"name":"agent","status":"UP","data":{"podNetwork":"kernel (tc), 2 programs"}}]}""";
    private static final String MODEL = """
            {"status":"UP","checks":[{"name":"agent","status":"UP",\
            "data":{"podNetwork":"model: tendril.agent.pod-network=model"}}]}""";

    @TempDir
    Path dataDir;

    private FakeCluster cluster;
    private final List<List<String>> ran = new ArrayList<>();
    private Set<String> namespaces = Set.of();
    private boolean root = true;

    @BeforeEach
    void start() throws IOException {
        cluster = new FakeCluster("node-1", "node-2");
        cluster.stack(dataDir);
        cluster.pod("node-2", "demo", "frontend", "u1", Map.of("app", "frontend"));
        cluster.agentRoutes = request ->
                request.uri().equals("/q/health/ready") ? Response.ok(KERNEL) : Response.problem(404, "no route");
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void runsTheCommandInThePodsNamespaceOnItsNodeAndExitsWithItsCode() {
        String netns = StackFabric.of(dataDir).prefix() + "_node-2_demo_frontend";
        namespaces = Set.of(netns);

        Result result = run("exec", "demo/frontend", "--", "ping", "-c", "1", "10.0.1.2");

        assertThat(result.exitCode()).as(result.err()).isEqualTo(7);
        assertThat(ran).containsExactly(List.of("ip", "netns", "exec", netns, "ping", "-c", "1", "10.0.1.2"));
        assertThat(result.err()).isEmpty();
    }

    @Test
    void refusesAnUnknownPodAModelDatapathAMissingNamespaceAndANonRootUser() {
        Result unknown = run("exec", "demo/nope", "--", "true");
        Result missing = run("exec", "demo/frontend", "--", "true");
        namespaces = Set.of(StackFabric.of(dataDir).prefix() + "_node-2_demo_frontend");
        root = false;
        Result notRoot = run("exec", "demo/frontend", "--", "true");
        cluster.agentRoutes = request -> Response.ok(MODEL);
        Result model = run("exec", "demo/frontend", "--", "true");
        Result noCommand = run("exec", "demo/frontend");

        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err())
                .isEqualTo("Error: NS/POD demo/nope: not an endpoint of any agent (nodes: node-1," + " node-2)\n");
        assertThat(missing.err())
                .startsWith("Error: NS/POD demo/frontend: no network namespace "
                        + StackFabric.of(dataDir).prefix()
                        + "_node-2_demo_frontend on this machine (node node-2, pod network:"
                        + " kernel (tc), 2 programs)");
        assertThat(notRoot.err())
                .startsWith("Error: tendril exec needs root to enter the network namespace ")
                .contains("run it with sudo");
        assertThat(model.exitCode()).isEqualTo(1);
        assertThat(model.err())
                .isEqualTo("Error: NS/POD demo/frontend: its node node-2 runs the model datapath (model:"
                        + " tendril.agent.pod-network=model), which wires no network namespaces; start the stack with"
                        + " './tendril up --datapath kernel'\n");
        assertThat(noCommand.exitCode()).isEqualTo(2);
        assertThat(noCommand.err()).contains("CMD");
        assertThat(ran).isEmpty();
    }

    private Result run(String... args) {
        String[] withData = new String[args.length + 2];
        withData[0] = args[0];
        withData[1] = "--data-dir";
        withData[2] = dataDir.toString();
        System.arraycopy(args, 1, withData, 3, args.length - 1);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = TendrilCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        ExecCommand exec = cmd.getSubcommands().get("exec").getCommand();
        exec.host = new Host() {
            @Override
            public boolean hasNetns(String name) {
                return namespaces.contains(name);
            }

            @Override
            public boolean root() {
                return root;
            }

            @Override
            public int run(List<String> command) {
                ran.add(command);
                return 7;
            }
        };
        return new Result(cmd.execute(withData), out.toString(), err.toString());
    }

    private record Result(int exitCode, String out, String err) {}
}
