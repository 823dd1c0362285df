package dev.tendril.agent.sim;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An {@link AgentHost} as a child JVM of a load driver, which talks to it over stdin and stdout, one command a line;
 * answers are lines starting with {@value #ANSWER} (anything else on stdout is the agents' logging).
 *
 * <pre>
 * java -cp ... dev.tendril.agent.sim.AgentHostProcess SERVERS TOPIC_PREFIX NODE_PREFIX FIRST COUNT [-Dconsumer.X=Y ...]
 *     [-Dpolicy.maps=HOST:PORT (fetch mode: the PolicyMaps server the agents fetch their maps from)]
 *   -&gt; @@ READY &lt;ms to bootstrap all&gt;            (or @@ FAILED ...)
 * SCHEDULE &lt;start micros&gt; &lt;pods/s&gt; &lt;policy interval micros&gt;   -&gt; @@ OK
 * RESTART &lt;node&gt;          -&gt; @@ BOOTSTRAP &lt;node&gt; &lt;ms&gt;
 * CONSUMED                -&gt; @@ CONSUMED &lt;topic&gt; &lt;bytes&gt; &lt;records&gt; ... then @@ END
 * REPORT                  -&gt; @@ HIST endpoint ..., @@ HIST policy ..., @@ CPU &lt;process cpu nanos&gt; &lt;live heap bytes&gt;, @@ END
 * AUDIT &lt;guard seconds&gt;   -&gt; @@ AUDIT &lt;agents&gt; &lt;differing&gt; &lt;lost&gt; &lt;stale&gt;, @@ EXAMPLE ... then @@ END
 * QUIT
 * </pre>
 */
public final class AgentHostProcess {

    static final String ANSWER = "@@ ";

    private AgentHostProcess() {}

    // Strong references: a collected logger would lose its level.
    private static final List<java.util.logging.Logger> QUIETED = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        // Hundreds of consumers each logging its configuration and every connection would be most of the work.
        for (String name : List.of("org.apache.kafka", "kafka", "dev.tendril")) {
            java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
            logger.setLevel(java.util.logging.Level.WARNING);
            QUIETED.add(logger);
        }
        String servers = args[0];
        StateTopics topics = StateTopics.prefixed(args[1]);
        String prefix = args[2];
        int first = Integer.parseInt(args[3]);
        int count = Integer.parseInt(args[4]);
        Map<String, String> overrides = new TreeMap<>();
        System.getProperties().stringPropertyNames().stream()
                .filter(k -> k.startsWith("consumer."))
                .forEach(k -> overrides.put(k.substring("consumer.".length()), System.getProperty(k)));
        Path stateDir = Files.createTempDirectory("tendril-agent-host-");
        List<String> nodes = new ArrayList<>();
        for (int i = first; i < first + count; i++) {
            nodes.add(SimulatedCluster.nodeName(prefix, i));
        }
        try (AgentHost host = new AgentHost(servers, topics, stateDir, overrides, System.getProperty("policy.maps"))) {
            long start = System.nanoTime();
            host.start(nodes);
            if (!host.awaitBootstrapped(Duration.ofMinutes(15))) {
                answer("FAILED not every agent bootstrapped within 15 minutes");
                return;
            }
            answer("READY " + (System.nanoTime() - start) / 1_000_000);
            serve(host);
        }
        System.exit(0);
    }

    private static void serve(AgentHost host) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String[] f = line.trim().split(" ");
            switch (f[0]) {
                case "SCHEDULE" -> {
                    host.schedule(new AgentHost.Schedule(
                            Long.parseLong(f[1]), Double.parseDouble(f[2]), Long.parseLong(f[3])));
                    answer("OK");
                }
                case "RESTART" ->
                    answer("BOOTSTRAP " + f[1] + " "
                            + host.restart(f[1], Duration.ofMinutes(5)).toMillis());
                case "CONSUMED" -> {
                    AgentHost.Consumed c = host.consumed();
                    c.bytesByTopic()
                            .forEach((t, b) -> answer("CONSUMED " + t + " " + b + " "
                                    + c.recordsByTopic().getOrDefault(t, 0L)));
                    answer("END");
                }
                case "REPORT" -> {
                    answer("HIST endpoint " + host.endpointLatencies().encode());
                    answer("HIST policy " + host.policyLatencies().encode());
                    // The heap the agents hold, not what a collection would free.
                    System.gc();
                    Runtime rt = Runtime.getRuntime();
                    answer("CPU " + processCpuNanos() + " " + (rt.totalMemory() - rt.freeMemory()));
                    answer("END");
                }
                case "AUDIT" -> {
                    List<MapsAudit.Diff> diffs = host.audit(Map.of(), Duration.ofSeconds(Long.parseLong(f[1])));
                    answer("AUDIT " + host.agents().size() + " " + diffs.size() + " "
                            + diffs.stream().mapToInt(MapsAudit.Diff::lost).sum() + " "
                            + diffs.stream().mapToInt(MapsAudit.Diff::stale).sum());
                    diffs.stream().flatMap(d -> d.examples().stream()).limit(20).forEach(e -> answer("EXAMPLE " + e));
                    answer("END");
                }
                case "QUIT" -> {
                    return;
                }
                default -> answer("ERROR unknown command " + f[0]);
            }
        }
    }

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static synchronized void answer(String line) {
        System.out.println(ANSWER + line);
        System.out.flush();
    }
}
