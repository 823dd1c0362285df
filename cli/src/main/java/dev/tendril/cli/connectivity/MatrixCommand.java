package dev.tendril.cli.connectivity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.Progress;
import dev.tendril.cli.StackOutputOptions;
import dev.tendril.cli.agent.Agents;
import dev.tendril.cli.agent.PodRef;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.api.ServiceException;
import dev.tendril.cli.stack.Stack;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tendril connectivity matrix --namespaces x,y,z --port 80}: probes every ordered pair of the pods of those
 * namespaces (a pod to itself too) and prints the truth table of the Kubernetes network policy e2e tests:
 * {@code .} reachable, {@code X} blocked; {@code !} after a cell where the agent's kernel datapath and the model
 * disagree.
 */
@Command(
        name = "matrix",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Probe every pair of pods of some namespaces and print which can connect.",
            "Rows are sources, columns destinations: '.' forwarded, 'X' dropped, '!' after a cell where the",
            "kernel datapath and the model disagree."
        })
public final class MatrixCommand implements Callable<Integer> {

    @Option(
            names = "--namespaces",
            required = true,
            split = ",",
            paramLabel = "NS[,NS...]",
            description = "The namespaces whose pods to probe.")
    List<String> namespaces;

    @Option(
            names = "--parallel",
            defaultValue = "8",
            paramLabel = "N",
            description = "Probes in flight at once, 1..64 (default 8): on the kernel datapath a dropped cell waits "
                    + "out the probe's timeout, so a table probed one cell at a time takes a second per drop.")
    int parallel;

    @Mixin
    PortOptions portOptions;

    @Mixin
    ModelOption modelOption;

    @Mixin
    StackOutputOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        int port = portOptions.port();
        String proto = portOptions.protocol();
        Stack stack = options.stack();
        List<String> pods = pods(ServiceClient.of(stack, "identity"));
        Prober prober = new Prober(Agents.of(stack), modelOption.model);
        TreeSet<String> datapaths = new TreeSet<>();
        List<Map<String, String>> disagreements = new ArrayList<>();
        // n*n probes take a while; the count is worth showing on a terminal only, a log gets the result.
        boolean terminal = Progress.onTerminal();
        Progress progress = new Progress(options.err(), true);
        if (parallel < 1 || parallel > 64) {
            throw new ParameterException(spec.commandLine(), "--parallel: must be 1..64, not " + parallel);
        }
        // Every pod located once before any probe: an unknown pod fails here, and the workers only read.
        pods.forEach(pod -> {
            PodRef ref = PodRef.parse(pod);
            prober.agents().require(ref.namespace(), ref.pod());
        });
        JsonNode[][] answers = probeAll(prober, pods, port, proto, terminal, progress);
        Map<String, Map<String, Boolean>> matrix = new LinkedHashMap<>();
        for (int i = 0; i < pods.size(); i++) {
            Map<String, Boolean> row = new LinkedHashMap<>();
            for (int j = 0; j < pods.size(); j++) {
                JsonNode answer = answers[i][j];
                row.put(pods.get(j), Prober.forwarded(answer));
                if (Prober.datapath(answer) != null) {
                    datapaths.add(Prober.datapath(answer));
                }
                if (Prober.disagrees(answer)) {
                    // Ordered: Map.of's iteration order differs from one JVM run to the next.
                    Map<String, String> cell = new LinkedHashMap<>();
                    cell.put("from", pods.get(i));
                    cell.put("to", pods.get(j));
                    disagreements.add(cell);
                }
            }
            matrix.put(pods.get(i), row);
        }
        progress.done();
        PrintWriter out = options.out();
        if (options.json()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("port", port);
            json.put("protocol", proto);
            json.put("pods", pods);
            json.put("matrix", matrix);
            // Only when the agents say: a stack on the model datapath answers as before.
            if (!datapaths.isEmpty()) {
                json.put("datapaths", datapaths);
            }
            if (!disagreements.isEmpty()) {
                json.put("disagreements", disagreements);
            }
            options.printJson(json);
        } else {
            printTable(out, pods, matrix, disagreements);
            if (!datapaths.isEmpty()) {
                out.println("Answered by the " + String.join(" and ", datapaths) + " datapath"
                        + (datapaths.size() > 1 ? "s" : "")
                        + (disagreements.isEmpty()
                                ? ""
                                : "; '!': the kernel datapath and the model disagree (" + disagreements.size() + ")")
                        + ".");
            } else if (!disagreements.isEmpty()) {
                out.println("'!': the kernel datapath and the model disagree (" + disagreements.size() + ").");
            }
            out.flush();
        }
        return 0;
    }

    /**
     * Every ordered pair's answer, {@code answers[from][to]}, with up to {@link #parallel} probes in flight: the pairs
     * are independent (each its own socket in its source pod's namespace, or its own model evaluation). The first
     * probe that fails fails the command, as one after the other would.
     */
    private JsonNode[][] probeAll(
            Prober prober, List<String> pods, int port, String proto, boolean terminal, Progress progress) {
        int n = pods.size();
        JsonNode[][] answers = new JsonNode[n][n];
        AtomicInteger done = new AtomicInteger();
        int total = n * n;
        try (ExecutorService workers = Executors.newFixedThreadPool(
                parallel, Thread.ofPlatform().name("probe-", 1).daemon(true).factory())) {
            List<Future<?>> cells = new ArrayList<>(total);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    int from = i;
                    int to = j;
                    cells.add(workers.submit(() -> {
                        answers[from][to] =
                                prober.probe(PodRef.parse(pods.get(from)), PodRef.parse(pods.get(to)), port, proto);
                        int count = done.incrementAndGet();
                        if (terminal) {
                            synchronized (progress) {
                                progress.update("probing " + pods.get(from) + " -> " + pods.get(to) + " (" + count + "/"
                                        + total + ")");
                            }
                        }
                    }));
                }
            }
            for (Future<?> cell : cells) {
                try {
                    cell.get();
                } catch (ExecutionException e) {
                    cells.forEach(c -> c.cancel(true));
                    if (e.getCause() instanceof RuntimeException failure) {
                        throw failure;
                    }
                    throw new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ServiceException("interrupted while probing");
                }
            }
        }
        return answers;
    }

    /** The pods of the namespaces as {@code ns/pod}, sorted, from the identity service's endpoints. */
    private List<String> pods(ServiceClient identity) {
        TreeSet<String> pods = new TreeSet<>();
        for (String namespace : namespaces) {
            JsonNode endpoints = identity.get("/v1/endpoints", Map.of("namespace", namespace));
            if (endpoints != null) {
                endpoints.forEach(e -> pods.add(
                        e.path("namespace").asText() + "/" + e.path("pod").asText()));
            }
        }
        return new ArrayList<>(pods);
    }

    /**
     * The e2e tests' truth table, with columns padded instead of tab-separated: {@code -} in the corner, the
     * destinations across, one row per source.
     */
    static void printTable(
            PrintWriter out,
            List<String> pods,
            Map<String, Map<String, Boolean>> matrix,
            List<Map<String, String>> disagreements) {
        int first = Math.max(1, pods.stream().mapToInt(String::length).max().orElse(1));
        StringBuilder header = new StringBuilder(pad("-", first));
        pods.forEach(to -> header.append("  ").append(to));
        out.println(header.toString().stripTrailing());
        for (String from : pods) {
            StringBuilder line = new StringBuilder(pad(from, first));
            for (String to : pods) {
                String cell = (matrix.get(from).get(to) ? "." : "X")
                        + (disagreements.contains(Map.of("from", from, "to", to)) ? "!" : "");
                line.append("  ").append(pad(cell, to.length()));
            }
            out.println(line.toString().stripTrailing());
        }
        out.flush();
    }

    private static String pad(String text, int width) {
        return text + " ".repeat(Math.max(0, width - text.length()));
    }
}
