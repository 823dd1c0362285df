package dev.tendril.cli.connectivity;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.DurationConverter;
import dev.tendril.cli.Progress;
import dev.tendril.cli.StackOutputOptions;
import dev.tendril.cli.TendrilCommand;
import dev.tendril.cli.agent.Agents;
import dev.tendril.cli.agent.PodRef;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.api.ServiceException;
import dev.tendril.cli.apply.ManifestKinds;
import dev.tendril.cli.stack.Stack;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tendril connectivity test}: like {@code cilium connectivity test}. Deploys client and server pods on every
 * node of the stack (through the handlers of {@code tendril apply}), waits until every node's ipcache knows them,
 * then runs each scenario: apply its policies, probe until every probe has its expected verdict or the timeout
 * passes, delete its policies. Everything it created is deleted at the end, after a failure too, unless
 * {@code --keep}.
 */
@Command(
        name = "test",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Deploy test pods on every node and check pod-to-pod and pod-to-Service connectivity and policy"
                    + " enforcement.",
            "Exits non-zero when a test fails."
        })
public final class ConnectivityTestCommand implements Callable<Integer> {

    static final String DEFAULT_NAMESPACE = "tendril-connectivity-test";

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,55}[a-z0-9])?");

    @Option(
            names = "--test-namespace",
            paramLabel = "NS",
            defaultValue = DEFAULT_NAMESPACE,
            description = "Namespace for the test pods; NS-other holds a client of another namespace"
                    + " (default: ${DEFAULT-VALUE}).")
    String namespace;

    @Option(
            names = "--test",
            paramLabel = "NAME",
            description = "Run only the tests whose name contains NAME. Repeatable.")
    List<String> filters = new ArrayList<>();

    @Option(names = "--keep", description = "Keep the test namespaces and pods afterwards.")
    boolean keep;

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            defaultValue = "60s",
            description = "How long to wait for the endpoints, and for each test's verdicts"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(
            names = "--poll-interval",
            paramLabel = "DURATION",
            defaultValue = "500ms",
            hidden = true,
            description = "How often to ask again while waiting.")
    Duration pollInterval;

    @Mixin
    ModelOption modelOption;

    @Mixin
    StackOutputOptions options;

    /**
     * One test's outcome: {@code passed}, {@code failed} or {@code skipped}, with why when not passed, and the
     * connections of its last round of probes where the kernel datapath and the model disagreed (null for none).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record TestResult(String name, String result, String reason, List<String> disagrees) {

        TestResult(String name, String result, String reason) {
            this(name, result, reason, null);
        }
    }

    @Override
    public Integer call() {
        if (!DNS_LABEL.matcher(namespace).matches()) {
            throw options.usage("--test-namespace must be a DNS label of at most 57 characters"
                    + " (it gets '-other' for the second namespace), not '" + namespace + "'");
        }
        Stack stack = options.stack();
        Agents agents = Agents.of(stack);
        if (agents.all().isEmpty()) {
            throw new ServiceException("no agent in the local stack to run test pods on");
        }
        TestWorkload workload = new TestWorkload(
                namespace, agents.all().stream().map(Agents.Agent::node).toList());
        List<ConnectivityTest> tests = select(ConnectivityTests.all(workload));
        Map<String, ServiceClient> clients = new HashMap<>();
        ManifestKinds kinds =
                ManifestKinds.all(name -> clients.computeIfAbsent(name, n -> ServiceClient.of(stack, n)), () -> agents);
        Run run = new Run(
                kinds,
                new Prober(agents, modelOption.model),
                agents,
                clients.computeIfAbsent("identity", n -> ServiceClient.of(stack, n)),
                new ServiceTargets(
                        () -> clients.computeIfAbsent("policy", n -> ServiceClient.of(stack, n)),
                        () -> clients.computeIfAbsent("ipam", n -> ServiceClient.of(stack, n))),
                workload);
        List<TestResult> results = new ArrayList<>();
        boolean cleanedUp;
        try {
            run.setUp();
            for (int i = 0; i < tests.size(); i++) {
                results.add(run.test(tests.get(i), i + 1, tests.size()));
            }
        } finally {
            cleanedUp = run.cleanUp();
        }
        long passed = results.stream().filter(r -> r.result().equals("passed")).count();
        long failed = results.stream().filter(r -> r.result().equals("failed")).count();
        long skipped = results.size() - passed - failed;
        PrintWriter out = options.out();
        if (options.json()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("namespace", namespace);
            json.put("results", results);
            json.put("passed", passed);
            json.put("failed", failed);
            json.put("skipped", skipped);
            if (!run.datapaths.isEmpty()) {
                json.put("datapaths", run.datapaths);
            }
            options.printJson(json);
        } else {
            out.println(passed + " passed, " + failed + " failed" + (skipped > 0 ? ", " + skipped + " skipped" : "")
                    + (run.datapaths.isEmpty()
                            ? ""
                            : " (answered by the " + String.join(" and ", run.datapaths) + " datapath"
                                    + (run.datapaths.size() > 1 ? "s" : "") + ")"));
            out.flush();
        }
        return failed > 0 || !cleanedUp ? TendrilCommand.EXIT_ERROR : 0;
    }

    private List<ConnectivityTest> select(List<ConnectivityTest> all) {
        if (filters.isEmpty()) {
            return all;
        }
        List<ConnectivityTest> selected = all.stream()
                .filter(test -> filters.stream().anyMatch(test.name()::contains))
                .toList();
        if (selected.isEmpty()) {
            throw options.usage("no test matches --test " + String.join(", ", filters) + " (tests: "
                    + String.join(", ", all.stream().map(ConnectivityTest::name).toList()) + ")");
        }
        return selected;
    }

    /** One run: what it deployed, and the progress and result lines it prints. */
    private final class Run {

        private final ManifestKinds kinds;
        private final Prober prober;
        private final Agents agents;
        private final ServiceClient identity;
        private final ServiceTargets targets;
        private final TestWorkload workload;
        private final boolean terminal = Progress.onTerminal();
        private final PrintWriter out = options.out();
        private final PrintWriter err = options.err();
        private final Progress progress = new Progress(err, terminal);
        private boolean deployed;
        /** The datapaths the probes' answers named, and the disagreements of the current test's last round. */
        private final TreeSet<String> datapaths = new TreeSet<>();

        private final List<String> disagreements = new ArrayList<>();

        Run(
                ManifestKinds kinds,
                Prober prober,
                Agents agents,
                ServiceClient identity,
                ServiceTargets targets,
                TestWorkload workload) {
            this.kinds = kinds;
            this.prober = prober;
            this.agents = agents;
            this.identity = identity;
            this.targets = targets;
            this.workload = workload;
        }

        void setUp() {
            progress.update("creating namespaces " + String.join(", ", workload.namespaces()) + " and "
                    + workload.pods().size() + " pods on " + workload.nodes().size()
                    + (workload.nodes().size() == 1 ? " node" : " nodes"));
            deployed = true;
            kinds.apply(workload.manifests());
            awaitEndpoints();
            progress.done();
        }

        /** Until the identity service registered every pod and every agent's ipcache maps its address to it. */
        private void awaitEndpoints() {
            List<PodRef> pods = workload.pods();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                List<String> waiting = EndpointReadiness.notReady(pods, workload.namespaces(), identity, agents);
                progress.update(
                        "waiting for endpoints: " + (pods.size() - waiting.size()) + "/" + pods.size() + " ready");
                if (waiting.isEmpty()) {
                    return;
                }
                if (System.nanoTime() >= deadline) {
                    throw new ServiceException(waiting.size() + " of " + pods.size() + " endpoints not ready after "
                            + DurationConverter.format(timeout) + ": " + String.join(", ", waiting));
                }
                pause(deadline);
            }
        }

        TestResult test(ConnectivityTest test, int n, int total) {
            String head = "[" + n + "/" + total + "] " + test.name() + " ...";
            disagreements.clear();
            if (test.skip() != null) {
                return report(head, new TestResult(test.name(), "skipped", test.skip()));
            }
            String failure = null;
            try {
                if (!test.policies().isEmpty()) {
                    progress(head + " applying " + test.policies().size()
                            + (test.policies().size() == 1 ? " object" : " objects"));
                    kinds.apply(test.policies());
                }
                failure = verdicts(test, head);
            } catch (ServiceException e) {
                failure = e.getMessage();
            } finally {
                // Deleted whatever happened: the next test starts from no policy.
                if (!test.policies().isEmpty()) {
                    progress(head + " deleting its policies and Services");
                    try {
                        kinds.delete(test.policies());
                    } catch (ServiceException e) {
                        failure = failure != null ? failure : "deleting its policies and Services: " + e.getMessage();
                    }
                }
            }
            return report(
                    head,
                    new TestResult(
                            test.name(),
                            failure == null ? "passed" : "failed",
                            failure,
                            disagreements.isEmpty() ? null : List.copyOf(disagreements)));
        }

        /**
         * Probes every expectation of the test, again and again until one round gets every verdict right (a policy
         * reaches the agents a moment after the service committed it) or the timeout passes: then the first wrong one.
         */
        private String verdicts(ConnectivityTest test, String head) {
            long deadline = System.nanoTime() + timeout.toNanos();
            int attempt = 0;
            while (true) {
                attempt++;
                String mismatch = null;
                disagreements.clear();
                for (Expectation expectation : test.expectations()) {
                    progress(head + " " + expectation.connection() + (attempt > 1 ? " (attempt " + attempt + ")" : ""));
                    try {
                        ServiceTargets.Target target = targets.resolve(expectation.to(), TestWorkload.PORT);
                        JsonNode answer =
                                prober.probe(expectation.from(), target.to(), target.port(), TestWorkload.PROTOCOL);
                        if (Prober.datapath(answer) != null) {
                            datapaths.add(Prober.datapath(answer));
                        }
                        if (Prober.disagrees(answer)) {
                            disagreements.add(expectation.connection() + ": " + Prober.disagreement(answer));
                        }
                        mismatch = expectation.mismatch(answer);
                    } catch (ServiceException e) {
                        mismatch = expectation.connection() + ": " + e.getMessage();
                    }
                    if (mismatch != null) {
                        break;
                    }
                }
                if (mismatch == null) {
                    return null;
                }
                if (System.nanoTime() >= deadline) {
                    return mismatch + " (after " + DurationConverter.format(timeout) + ")";
                }
                pause(deadline);
            }
        }

        /** A test's progress, on a terminal only: elsewhere its result line says enough. */
        private void progress(String message) {
            if (terminal) {
                progress.update(message);
            }
        }

        private TestResult report(String head, TestResult result) {
            progress.done();
            if (!options.json()) {
                out.println(head + " "
                        + switch (result.result()) {
                            case "passed" -> "OK";
                            case "skipped" -> "SKIPPED: " + result.reason();
                            default -> "FAILED: " + result.reason();
                        }
                        + (result.disagrees() == null ? "" : " (" + String.join("; ", result.disagrees()) + ")"));
                out.flush();
            }
            return result;
        }

        /** Deletes the pods and namespaces (unless --keep); false, after a warning, when some could not be. */
        boolean cleanUp() {
            progress.done();
            if (!deployed) {
                return true;
            }
            if (keep) {
                err.println("kept namespaces " + String.join(", ", workload.namespaces()) + " and their pods (--keep)");
                err.flush();
                return true;
            }
            progress.update("deleting " + workload.pods().size() + " pods and namespaces "
                    + String.join(", ", workload.namespaces()));
            try {
                kinds.delete(workload.manifests());
                progress.done();
                return true;
            } catch (RuntimeException e) {
                progress.done();
                err.println("Warning: cleanup: " + e.getMessage() + " (delete namespaces "
                        + String.join(", ", workload.namespaces()) + " by hand)");
                err.flush();
                return false;
            }
        }

        /** Sleeps one poll interval, or less when the deadline comes first. */
        private void pause(long deadline) {
            long nanos = Math.min(pollInterval.toNanos(), Math.max(0, deadline - System.nanoTime()));
            try {
                Thread.sleep(Duration.ofNanos(nanos));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ServiceException("interrupted while waiting");
            }
        }
    }
}
