package dev.tendril.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.cli.TendrilCommand;
import dev.tendril.cli.stack.StackOption;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tendril demo}: the walkthrough of the README (Cilium's "getting started" demo) against the running stack.
 * Each step prints a line saying why, then the command as a user would type it, then that command's own output:
 * the steps are the real subcommands, run in this process.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Walk through the demo against the running stack: apply three pods, probe them, apply the",
            "policies, probe again, trace and observe the drop and show the identities and a policy map.",
            "Prints every command with its output; leaves the demo applied unless --cleanup."
        })
public final class DemoCommand implements Callable<Integer> {

    /** Where the examples live in the repository; {@code ./tendril demo} runs from its root. */
    static final Path DEFAULT_EXAMPLES = Path.of("deploy", "examples");

    static final String DEMO = "demo.yaml";
    static final String POLICIES = "demo-policies.yaml";
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(250);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(
            names = "--examples",
            paramLabel = "DIR",
            description = "Directory holding " + DEMO + " and " + POLICIES + " (default: deploy/examples).")
    Path examples;

    @Option(names = "--cleanup", description = "Delete the policies and the demo at the end.")
    boolean cleanup;

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            defaultValue = "60s",
            description = "How long to wait for the stack to be healthy and for the policies to reach the agents"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Mixin
    StackOption stackOption;

    @Spec
    CommandSpec spec;

    private PrintWriter out;

    @Override
    public Integer call() throws InterruptedException {
        Path dir = examplesDir();
        String demo = dir.resolve(DEMO).toString();
        String policies = dir.resolve(POLICIES).toString();
        out = spec.commandLine().getOut();

        List<Step> steps = new ArrayList<>();
        steps.add(new Step(
                "Check that PostgreSQL, Kafka, the services and every node agent are up.",
                timeout.equals(DEFAULT_TIMEOUT)
                        ? new String[] {"status", "--wait"}
                        : new String[] {"status", "--wait", "--timeout", timeout.toSeconds() + "s"}));
        steps.add(new Step(
                "Create the demo namespace and its pods frontend, backend and database. Each pod becomes an"
                        + " endpoint of a node's agent, with an address from IPAM and an identity from its labels.",
                "apply",
                "-f",
                demo));
        steps.add(new Step(
                "Probe each pair on port 80: before any policy selects the pods, every connection is forwarded.",
                probe("frontend", "backend")));
        steps.add(new Step(null, probe("backend", "database")));
        steps.add(new Step(null, probe("frontend", "database")));
        steps.add(new Step(
                "Apply the policies: deny all ingress in demo, then allow frontend -> backend on TCP 80"
                        + " and backend -> database on the named port http.",
                "apply",
                "-f",
                policies));
        for (Step step : steps) {
            if (!step.run()) {
                return TendrilCommand.EXIT_ERROR;
            }
        }
        if (!awaitDropped("frontend", "database")) {
            return TendrilCommand.EXIT_ERROR;
        }
        steps.clear();
        steps.add(new Step(
                "frontend and backend still reach the pods their policies allow...", probe("frontend", "backend")));
        steps.add(new Step(null, probe("backend", "database")));
        steps.add(new Step(
                "...but frontend -> database is now dropped at the database's ingress, by the default deny.",
                probe("frontend", "database")));
        steps.add(new Step(
                "Trace the drop: the verdict at the sender's egress and the receiver's ingress, and which"
                        + " policies decide.",
                "policy",
                "trace",
                "--from",
                "demo/frontend",
                "--to",
                "demo/database",
                "--port",
                "80/tcp"));
        for (Step step : steps) {
            if (!step.run()) {
                return TendrilCommand.EXIT_ERROR;
            }
        }
        steps.clear();
        if (!awaitObserved()) {
            return TendrilCommand.EXIT_ERROR;
        }
        steps.add(new Step(
                "Observe the drop as Hubble does: each probe's policy verdicts are flow records the agents"
                        + " publish, and the flows service answers for the whole cluster; the policy verdict names the"
                        + " policies that made the database default-deny, the drop record follows it.",
                OBSERVE));
        steps.add(new Step(
                "The identities: reserved ones, and one per distinct set of pod labels.", "get", "identities"));
        steps.add(new Step(
                "The policy map of demo/database on its node: the pod identity it accepts on ingress and on"
                        + " which port, plus the host (always allowed, as Cilium's allow-localhost).",
                "bpf",
                "policy",
                "get",
                "demo/database"));
        if (cleanup) {
            steps.add(new Step("Clean up: delete the policies and the demo.", "delete", "-f", policies, "-f", demo));
        }
        for (Step step : steps) {
            if (!step.run()) {
                return TendrilCommand.EXIT_ERROR;
            }
        }
        out.println();
        out.println(
                cleanup
                        ? "Done; the demo is deleted."
                        : "Done. The demo stays applied; remove it with: tendril delete -f " + policies + " -f "
                                + demo);
        out.flush();
        return 0;
    }

    private Path examplesDir() {
        Path dir = examples == null ? DEFAULT_EXAMPLES : examples;
        for (String name : List.of(DEMO, POLICIES)) {
            if (!Files.isRegularFile(dir.resolve(name))) {
                String where = examples == null
                        ? "no " + DEFAULT_EXAMPLES.resolve(name) + " under the current directory ("
                                + Path.of("").toAbsolutePath()
                                + "): run from the repository root or pass --examples DIR"
                        : "no " + name + " in " + dir;
                throw new CommandLine.ParameterException(spec.commandLine(), where);
            }
        }
        return dir;
    }

    /** The observe step: the demo's dropped flows, newest last. */
    static final String[] OBSERVE = {"observe", "--namespace", "demo", "--verdict", "DROPPED", "--last", "5"};

    /**
     * Waits (silently, up to the timeout) until the flows service holds a dropped flow of the demo: the agents'
     * flow records reach it through Kafka a moment after the probe answered.
     */
    private boolean awaitObserved() throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last;
        while (true) {
            Result result = execute(withJson(OBSERVE));
            if (result.code() == 0 && !result.out().isBlank()) {
                return true;
            }
            last = result.code() == 0 ? "no flow yet" : result.err().strip();
            if (System.nanoTime() >= deadline) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("Error: the flows service shows no dropped flow of demo within " + timeout.toSeconds()
                        + "s: " + last);
                err.flush();
                return false;
            }
            Thread.sleep(POLL_INTERVAL);
        }
    }

    private static String[] probe(String from, String to) {
        return new String[] {"connectivity", "probe", "--from", "demo/" + from, "--to", "demo/" + to, "--port", "80"};
    }

    /**
     * Probes until the agents drop the connection: the policy service publishes a new revision and every agent
     * recomputes its maps, which takes a moment after {@code apply} returns.
     */
    private boolean awaitDropped(String from, String to) throws InterruptedException {
        explain("Wait until the agents enforce the policies: probe demo/" + from + " -> demo/" + to
                + " until it is dropped.");
        long deadline = System.nanoTime() + timeout.toNanos();
        int probes = 0;
        String last = "";
        while (true) {
            probes++;
            Result result = execute(withJson(probe(from, to)));
            if (result.code() == 0) {
                try {
                    JsonNode answer = JSON.readTree(result.out());
                    last = answer.path("verdict").asText();
                    if ("DROPPED".equals(last)) {
                        out.println("(the agents enforce them: dropped after " + probes
                                + (probes == 1 ? " probe)" : " probes)"));
                        out.flush();
                        return true;
                    }
                } catch (IOException e) {
                    last = "an answer that is not JSON: " + e.getMessage();
                }
            } else {
                last = result.err().strip();
            }
            if (System.nanoTime() >= deadline) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("Error: the policies did not reach the agents within " + timeout.toSeconds() + "s: demo/"
                        + from + " -> demo/" + to + " is still " + last);
                err.flush();
                return false;
            }
            Thread.sleep(POLL_INTERVAL);
        }
    }

    private static String[] withJson(String[] args) {
        String[] json = Arrays.copyOf(args, args.length + 2);
        json[args.length] = "-o";
        json[args.length + 1] = "json";
        return json;
    }

    private void explain(String text) {
        out.println();
        out.println("# " + text);
        out.flush();
    }

    /** A subcommand run in this process, against the same data directory, its output captured. */
    private Result execute(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        CommandLine cmd = TendrilCommand.commandLine();
        cmd.setOut(new PrintWriter(o, true));
        cmd.setErr(new PrintWriter(e, true));
        int code = cmd.execute(withDataDir(args));
        return new Result(code, o.toString(), e.toString());
    }

    private String[] withDataDir(String[] args) {
        java.nio.file.Path config = stackOption.configFlag();
        String[] all = Arrays.copyOf(args, args.length + (config == null ? 2 : 4));
        all[args.length] = "--data-dir";
        all[args.length + 1] = stackOption.dataDir().toString();
        if (config != null) {
            all[args.length + 2] = "--config";
            all[args.length + 3] = config.toString();
        }
        return all;
    }

    private record Result(int code, String out, String err) {}

    /** One step: why (or null to continue the previous one), the command, then its output as the user sees it. */
    private final class Step {
        private final String why;
        private final String[] args;

        Step(String why, String... args) {
            this.why = why;
            this.args = args;
        }

        boolean run() {
            if (why != null) {
                explain(why);
            }
            out.println("$ tendril " + String.join(" ", args));
            out.flush();
            CommandLine cmd = TendrilCommand.commandLine();
            cmd.setOut(out);
            cmd.setErr(spec.commandLine().getErr());
            int code = cmd.execute(withDataDir(args));
            if (code != 0) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("Error: the demo stops here: 'tendril " + String.join(" ", args) + "' exited with " + code);
                err.flush();
                return false;
            }
            return true;
        }
    }
}
