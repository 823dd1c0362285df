package dev.tendril.agent.datapath.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tendril.api.v1.Label;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.Verdict;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.net.IpAddress;
import dev.tendril.policy.adapters.kafka.ProtoMapping;
import dev.tendril.policy.domain.Identity;
import dev.tendril.policy.domain.NamedPort;
import dev.tendril.policy.domain.Policy;
import dev.tendril.policy.domain.PolicyCompiler;
import dev.tendril.policy.domain.Protocol;
import dev.tendril.policy.domain.SubjectPolicy;
import dev.tendril.policy.manifest.ManifestParser;
import dev.tendril.testing.netpol.NetpolScenarios;
import dev.tendril.testing.netpol.NetpolScenarios.Pod;
import dev.tendril.testing.netpol.NetpolScenarios.Probe;
import dev.tendril.testing.netpol.NetpolScenarios.Scenario;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * libs/testing's network-policy conformance scenarios against the kernel: the nine pods x/a .. z/c as
 * network namespaces of the agent's fabric on one node ({@link KernelCrossNodeTest}: two), each
 * scenario's manifests compiled by the policy service's own parser and compiler, published as its
 * {@code SubjectPolicyMap}s and written into the pinned maps by the agent's map writer; then a real packet
 * for every cell of every truth table (a TCP connect, a UDP request and its reply, an SCTP INIT), over
 * IPv4 and over IPv6. The kernel's table, the model's (libs/datapath over the same entries) and the
 * scenario's must be the same table, and the kernel's verdict events must carry the model's verdicts: the
 * same decision, drop reason, match type and matched entry at each hook.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KernelNetpolConformanceTest {
    static final String CLUSTER = "default";
    static final Duration ALLOWED = Duration.ofSeconds(3);
    static final Duration DROPPED = Duration.ofMillis(300);

    KernelCluster cluster;
    final Map<Pod, Identity> pods = new LinkedHashMap<>();
    final List<Identity> identities = new ArrayList<>();
    final Map<Long, List<NamedPort>> namedPorts = new HashMap<>();
    final Map<String, RawSctp> sctp = new HashMap<>();
    final AtomicInteger sctpPorts = new AtomicInteger(40_000);
    ExecutorService cells;

    static Stream<Arguments> cases() {
        return NetpolScenarios.scenarios().stream().flatMap(s -> Stream.of(Arguments.of(s, 4), Arguments.of(s, 6)));
    }

    @BeforeAll
    void start() {
        if (!KernelTestSupport.available()) {
            return;
        }
        long id = 1000;
        Map<String, Long> identityOf = new LinkedHashMap<>();
        Map<Long, dev.tendril.api.v1.Identity> protos = new HashMap<>();
        for (Pod pod : NetpolScenarios.pods()) {
            Identity identity = Identity.pod(
                    ++id,
                    pod.namespace(),
                    NetpolScenarios.namespaceLabels(pod.namespace()),
                    NetpolScenarios.podLabels(pod.name()),
                    CLUSTER);
            pods.put(pod, identity);
            identities.add(identity);
            namedPorts.put(
                    identity.id(),
                    NetpolScenarios.namedPorts(pod.name()).stream()
                            .map(p -> new NamedPort(p.name(), p.port(), Protocol.valueOf(p.protocol())))
                            .toList());
            identityOf.put(pod.toString(), identity.id());
            protos.put(
                    identity.id(),
                    dev.tendril.api.v1.Identity.newBuilder()
                            .setId((int) identity.id())
                            .addAllLabels(identity.labels().stream()
                                    .map(l -> Label.newBuilder()
                                            .setSource(l.source())
                                            .setKey(l.key())
                                            .setValue(l.value())
                                            .build())
                                    .toList())
                            .build());
        }
        identities.add(Identity.reserved(Identity.HOST, "host"));
        identities.add(Identity.reserved(Identity.WORLD, "world"));
        TreeSet<Integer> tcp = new TreeSet<>();
        TreeSet<Integer> udp = new TreeSet<>();
        for (Scenario s : NetpolScenarios.scenarios()) {
            for (Probe p : s.probes()) {
                (p.protocol().equals("UDP") ? udp : tcp).add(p.port());
            }
        }
        cluster = KernelCluster.start(
                nodeCount(), identityOf, protos, KernelDatapathConfig.defaults(), List.copyOf(tcp), List.copyOf(udp));
        for (KernelCluster.Pod p : cluster.pods()) {
            sctp.put(p.name() + "/4", RawSctp.open(p, true).listen());
            sctp.put(p.name() + "/6", RawSctp.open(p, false).listen());
        }
        cells = Executors.newVirtualThreadPerTaskExecutor();
    }

    /** The nodes the nine pods are spread over, pod i on node i % n + 1. */
    int nodeCount() {
        return 1;
    }

    @BeforeEach
    void kernelDatapath() {
        KernelTestSupport.assumeKernelDatapath();
    }

    @AfterAll
    void stop() {
        if (cells != null) {
            cells.shutdownNow();
        }
        sctp.values().forEach(RawSctp::close);
        if (cluster != null) {
            cluster.close();
        }
    }

    @ParameterizedTest(name = "{0} over IPv{1}")
    @MethodSource("cases")
    void kernelModelAndTruthTableAgree(Scenario scenario, int ipVersion) throws Exception {
        boolean v4 = ipVersion == 4;
        // ipBlock scenarios name the pods' addresses of the probed family, which the fabric assigned.
        Map<Pod, InetAddress> addresses = new LinkedHashMap<>();
        Map<Long, List<Set<IpAddress>>> endpointAddresses = new HashMap<>();
        for (Map.Entry<Pod, Identity> e : pods.entrySet()) {
            KernelCluster.Pod wired = cluster.pod(e.getKey().toString());
            addresses.put(e.getKey(), wired.address(v4));
            endpointAddresses.put(
                    e.getValue().id(),
                    List.of(Set.of(IpAddress.of(wired.address(true)), IpAddress.of(wired.address(false)))));
        }
        String manifests = scenario.manifests(addresses);
        List<Policy> policies = manifests.isBlank() ? List.of() : ManifestParser.parse(manifests);
        Map<Long, SubjectPolicy> compiled =
                new PolicyCompiler(CLUSTER).compile(policies, identities, namedPorts, identities, endpointAddresses);
        Map<Long, SubjectPolicyMap> published = new HashMap<>();
        compiled.forEach((subject, sp) -> published.put(subject, ProtoMapping.content(sp)));
        cluster.apply(published);
        cluster.flushConntrack();

        for (Probe probe : scenario.probes()) {
            int protocol = IpProtocol.parse(probe.protocol());
            cluster.events.clear();
            Map<String, Future<Traffic.Result>> results = new LinkedHashMap<>();
            Map<String, Verdict[]> model = new LinkedHashMap<>();
            for (Pod from : pods.keySet()) {
                for (Pod to : pods.keySet()) {
                    if (from.equals(to)) {
                        continue;
                    }
                    KernelCluster.Pod src = cluster.pod(from.toString());
                    KernelCluster.Pod dst = cluster.pod(to.toString());
                    Verdict egress = cluster.model(
                            src.address(v4),
                            dst.address(v4),
                            protocol,
                            probe.port(),
                            Direction.EGRESS,
                            from.toString());
                    Verdict ingress = cluster.model(
                            src.address(v4), dst.address(v4), protocol, probe.port(), Direction.INGRESS, to.toString());
                    model.put(cell(from, to), new Verdict[] {egress, ingress});
                    boolean expected = probe.expected().test(from, to);
                    Duration wait = expected ? ALLOWED : DROPPED;
                    results.put(cell(from, to), cells.submit(() -> send(probe, src, dst, v4, wait)));
                }
            }
            Map<String, Traffic.Result> kernel = new LinkedHashMap<>();
            for (var e : results.entrySet()) {
                kernel.put(e.getKey(), e.getValue().get());
            }
            String label = "%s, %d/%s over IPv%d ('.' connects, 'X' dropped, rows from, columns to)"
                    .formatted(scenario.name(), probe.port(), probe.protocol(), ipVersion);
            String expected = table((f, t) -> probe.expected().test(f, t));
            assertThat(table((f, t) -> model.get(cell(f, t))[0].forwarded() && model.get(cell(f, t))[1].forwarded()))
                    .as("model: " + label)
                    .isEqualTo(expected);
            assertThat(table((f, t) -> kernel.get(cell(f, t)).passed()))
                    .as("kernel: " + label)
                    .isEqualTo(expected);
            assertEventsMatchModel(label, v4, kernel, model);
        }
    }

    private Traffic.Result send(Probe probe, KernelCluster.Pod src, KernelCluster.Pod dst, boolean v4, Duration wait)
            throws InterruptedException {
        InetAddress to = dst.address(v4);
        return switch (probe.protocol()) {
            case "TCP" -> Traffic.tcp(src, to, probe.port(), wait);
            case "UDP" -> Traffic.udp(src, to, probe.port(), wait);
            default -> {
                int sport = sctpPorts.incrementAndGet();
                String family = v4 ? "/4" : "/6";
                sctp.get(src.name() + family).sendInit(to, sport, probe.port());
                RawSctp receiver = sctp.get(dst.name() + family);
                long deadline = System.nanoTime() + wait.toNanos();
                boolean arrived = receiver.received(src.address(v4), sport, probe.port());
                while (!arrived && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                    arrived = receiver.received(src.address(v4), sport, probe.port());
                }
                yield new Traffic.Result(sport, arrived);
            }
        };
    }

    /**
     * Each cell's kernel events against the model's verdicts: the source's egress verdict always, the
     * destination's ingress verdict when egress forwarded; each reported by the datapath of the node
     * where that pod runs (so a packet between two nodes was decided on both).
     */
    private void assertEventsMatchModel(
            String label, boolean v4, Map<String, Traffic.Result> kernel, Map<String, Verdict[]> model) {
        Map<String, int[]> wanted = new LinkedHashMap<>();
        for (var e : kernel.entrySet()) {
            Verdict[] m = model.get(e.getKey());
            wanted.put(e.getKey(), new int[] {e.getValue().sourcePort(), m[0].forwarded() ? 2 : 1});
        }
        await(label + ": verdict events")
                .atMost(Duration.ofSeconds(10))
                .until(() -> wanted.entrySet().stream()
                        .allMatch(w -> verdicts(w.getKey(), v4, w.getValue()[0]).size() >= w.getValue()[1]));
        List<String> mismatches = new ArrayList<>();
        for (var w : wanted.entrySet()) {
            Verdict[] m = model.get(w.getKey());
            Map<Integer, Optional<Verdict>> byDirection = new HashMap<>();
            String[] pair = w.getKey().split(" ");
            for (VerdictEvent e : verdicts(w.getKey(), v4, w.getValue()[0])) {
                byDirection.putIfAbsent(e.direction(), e.toVerdict());
                String local = e.direction() == VerdictEvent.DIRECTION_EGRESS ? pair[0] : pair[1];
                if (!cluster.pod(local).node().equals(cluster.nodeOf(e))) {
                    mismatches.add(w.getKey() + " direction " + e.direction() + ": reported by " + cluster.nodeOf(e)
                            + ", " + local + " runs on " + cluster.pod(local).node());
                }
            }
            compare(mismatches, w.getKey() + " egress", m[0], byDirection.get(VerdictEvent.DIRECTION_EGRESS));
            if (m[0].forwarded()) {
                compare(mismatches, w.getKey() + " ingress", m[1], byDirection.get(VerdictEvent.DIRECTION_INGRESS));
            }
        }
        assertThat(mismatches).as("kernel verdict events vs model: " + label).isEmpty();
    }

    private static void compare(List<String> mismatches, String where, Verdict model, Optional<Verdict> kernel) {
        if (kernel == null || !kernel.equals(Optional.of(model))) {
            mismatches.add(where + ": model " + model + ", kernel " + kernel);
        }
    }

    private List<VerdictEvent> verdicts(String cell, boolean v4, int sourcePort) {
        KernelCluster.Pod from = cluster.pod(cell.substring(0, cell.indexOf(' ')));
        return cluster.eventsOf(from.address(v4), sourcePort).stream()
                .filter(VerdictEvent::isPolicyVerdict)
                .toList();
    }

    private static String cell(Pod from, Pod to) {
        return from + " " + to;
    }

    private String table(java.util.function.BiPredicate<Pod, Pod> passes) {
        StringBuilder sb = new StringBuilder("        ");
        sb.append(String.join(" ", pods.keySet().stream().map(Pod::toString).toList()))
                .append('\n');
        for (Pod from : pods.keySet()) {
            sb.append(from).append("    ");
            for (Pod to : pods.keySet()) {
                sb.append(from.equals(to) ? "-" : passes.test(from, to) ? "." : "X")
                        .append("   ");
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
