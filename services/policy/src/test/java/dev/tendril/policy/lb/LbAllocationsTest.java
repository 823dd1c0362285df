package dev.tendril.policy.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.tendril.net.Cidr;
import dev.tendril.net.IpAddress;
import dev.tendril.net.IpFamily;
import dev.tendril.policy.lb.LbCommand.ApplyService;
import dev.tendril.policy.lb.LbCommand.ApplySlice;
import dev.tendril.policy.lb.LbCommand.DeleteService;
import dev.tendril.policy.lb.LbCommand.DeleteSlice;
import dev.tendril.policy.lb.LbEvent.ServiceApplied;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The indexes {@link LbState} keeps of what the Services hold ({@link LbAllocations}) decide as looking at
 * every Service does ({@link ScanningAllocation}), on random requests in small ranges (ClusterIPs, NodePorts
 * run out and are freed again); a request decided {@link LbState#tentatively} and refused, or only a dry
 * run, changes nothing; a state rebuilt from the stored events (a restart) has the same indexes.
 */
class LbAllocationsTest {

    private static final LbSettings SMALL =
            new LbSettings(Cidr.parse("10.96.0.0/28"), Cidr.parse("fd00:10:96::/124"), 30000, 30007, 10800);
    private static final List<String> NAMES = List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j");

    private final LbDecider decider = new LbDecider(SMALL);
    private final LbState live = new LbState();
    /** Every event stored, in order: what a restart replays. */
    private final List<LbEvent> log = new ArrayList<>();

    private long revision;
    private int refusals;
    private int decided;

    @Test
    void theIndexesDecideAsLookingAtEveryServiceOnRandomRequests() {
        for (long seed = 1; seed <= 12; seed++) {
            LbAllocationsTest run = new LbAllocationsTest();
            Random random = new Random(seed);
            for (int step = 0; step < 300; step++) {
                run.request(random, "seed " + seed + " step " + step);
            }
            run.assertRestartedStateEqualsLive("seed " + seed);
            // The requests go both ways: allocations and refusals (taken, ranges run out).
            assertThat(run.refusals).as("requests refused").isGreaterThan(50);
            assertThat(run.decided).as("Services allocated").isGreaterThan(50);
        }
    }

    @Test
    void aFreedClusterIpNodePortAndReverseNatIndexAreTheLowestAgain() {
        LbState state = new LbState();
        List<String> names = List.of("a", "b", "c");
        for (String n : names) {
            decider.decide(new ApplyService(nodePort(n, List.of(), 0)), state, 1)
                    .forEach(state::evolve);
        }
        decider.decide(new DeleteService("demo", "b"), state, 2).forEach(state::evolve);
        ServiceApplied d = (ServiceApplied) decider.decide(new ApplyService(nodePort("d", List.of(), 0)), state, 3)
                .get(0);

        // b held 10.96.0.2, 30001 and the indexes 3 and 4 (its ClusterIP and NodePort frontends).
        assertThat(d.service().clusterIPs()).containsExactly("10.96.0.2");
        assertThat(d.service().ports().get(0).nodePort()).isEqualTo(30001);
        assertThat(d.revNats()).extracting(LbEvent.RevNat::index).containsExactlyInAnyOrder(3, 4);
    }

    @Test
    void aRefusedRequestLeavesTheStateAndItsIndexesAsTheyWere() {
        LbState state = new LbState();
        decider.decide(new ApplyService(nodePort("a", List.of(), 30001)), state, 1)
                .forEach(state::evolve);
        LbAllocations.Snapshot before = state.allocations().snapshot();

        try {
            state.tentatively(() -> {
                decider.decide(new DeleteService("demo", "a"), state, 2).forEach(state::evolve);
                decider.decide(new ApplyService(nodePort("b", List.of(), 0)), state, 2)
                        .forEach(state::evolve);
                return decider.decide(new ApplyService(nodePort("c", List.of(), 30000)), state, 2);
            });
            fail("the NodePort b took was named");
        } catch (LbRejected e) {
            assertThat(e.field()).isEqualTo("spec.ports[0].nodePort");
            assertThat(e.getMessage()).isEqualTo("NodePort 30000/TCP is taken by Service demo/b");
        }
        assertThat(state.services()).containsOnlyKeys("demo/a");
        assertThat(state.revision()).isEqualTo(1);
        assertThat(state.allocations().snapshot()).isEqualTo(before);
        assertThat(state.allocations().nodePortOwner(30001, "TCP")).isEqualTo("demo/a");
        assertThat(state.allocations().clusterIpOwner(IpAddress.parse("10.96.0.1")))
                .isEqualTo("demo/a");
    }

    /** One request of one to three commands, stored, refused or only a dry run. */
    private void request(Random random, String step) {
        List<LbCommand> commands = new ArrayList<>();
        int size = 1 + random.nextInt(3);
        for (int i = 0; i < size; i++) {
            commands.add(command(random));
        }
        boolean dryRun = random.nextInt(5) == 0;
        long next = revision + 1;
        List<LbEvent> events;
        try {
            events = live.tentatively(() -> {
                List<LbEvent> out = new ArrayList<>();
                for (LbCommand c : commands) {
                    List<LbEvent> d = decideAndCompare(c, next, step);
                    d.forEach(live::evolve);
                    out.addAll(d);
                }
                // Backend ids too: a random set of backends in use.
                Set<BackendKey> inUse = new TreeSet<>();
                for (int b = random.nextInt(6); b > 0; b--) {
                    inUse.add(new BackendKey("10.1.0." + random.nextInt(8), 80, 6));
                }
                List<LbEvent> ids = decider.backends(inUse, live, next);
                ids.forEach(live::evolve);
                out.addAll(ids);
                return out;
            });
        } catch (LbRejected e) {
            refusals++;
            events = List.of();
        }
        assertSameState(rebuilt(), live, step + " before storing");
        if (!dryRun && !events.isEmpty()) {
            revision = next;
            log.addAll(events);
            events.forEach(live::evolve);
        }
        assertIndexesAreTheServicesHoldings(live, step);
    }

    /** Decides one command and, for a Service, compares with the reference on the same state. */
    private List<LbEvent> decideAndCompare(LbCommand command, long next, String step) {
        if (!(command instanceof ApplyService a)) {
            return decider.decide(command, live, next);
        }
        ServiceSpec spec = a.service();
        List<IpFamily> families = spec.ipFamilies().stream()
                .map(f -> f.equals("IPv4") ? IpFamily.IPV4 : IpFamily.IPV6)
                .toList();
        ScanningAllocation.Allocated expected;
        try {
            expected = ScanningAllocation.allocate(spec, families, live, SMALL);
        } catch (LbRejected reference) {
            try {
                decider.decide(command, live, next);
                fail(step + ": " + spec + " should be refused: " + reference.getMessage());
            } catch (LbRejected actual) {
                assertThat(actual.status()).as(step).isEqualTo(reference.status());
                assertThat(actual.field()).as(step).isEqualTo(reference.field());
                if (reference.status() == 409) {
                    assertThat(actual.getMessage()).as(step).isEqualTo(reference.getMessage());
                }
                throw actual;
            }
            throw reference;
        }
        List<LbEvent> events = decider.decide(command, live, next);
        ServiceApplied held =
                events.isEmpty() ? live.service(spec.key()).orElseThrow() : (ServiceApplied) events.get(0);
        assertThat(held.service().clusterIPs()).as(step).isEqualTo(expected.clusterIps());
        assertThat(held.service().ports()).as(step).isEqualTo(expected.ports());
        assertThat(held.revNats()).as(step).isEqualTo(expected.revNats());
        decided++;
        return events;
    }

    private LbCommand command(Random random) {
        String name = NAMES.get(random.nextInt(NAMES.size()));
        return switch (random.nextInt(10)) {
            case 0, 1 -> new DeleteService("demo", name);
            case 2 ->
                new ApplySlice(new SliceSpec(
                        "demo",
                        name + "-1",
                        name,
                        "IPv4",
                        List.of(new SliceSpec.Port("p80", "TCP", 8080)),
                        List.of(new SliceSpec.Endpoint(List.of("10.1.0." + random.nextInt(8)), true, "n", ""))));
            case 3 -> new DeleteSlice("demo", name + "-1");
            default -> new ApplyService(randomService(random, name));
        };
    }

    private ServiceSpec randomService(Random random, String name) {
        boolean nodePort = random.nextBoolean();
        List<ServicePort> ports = new ArrayList<>();
        Set<String> seen = new TreeSet<>();
        for (int i = 1 + random.nextInt(3); i > 0; i--) {
            int port = List.of(80, 443, 53).get(random.nextInt(3));
            String protocol = random.nextInt(3) == 0 ? "UDP" : "TCP";
            int given = nodePort && random.nextInt(4) == 0 ? 29999 + random.nextInt(10) : 0;
            if (seen.add(port + "/" + protocol)) {
                ports.add(new ServicePort("p" + port, protocol, port, TargetPort.of(port), given));
            }
        }
        List<String> families = switch (random.nextInt(4)) {
            case 0 -> List.of("IPv6");
            case 1 -> List.of("IPv4", "IPv6");
            case 2 -> List.of("IPv6", "IPv4");
            default -> List.of("IPv4");
        };
        List<String> ips = new ArrayList<>();
        if (random.nextInt(4) == 0) {
            ips.add(
                    families.get(0).equals("IPv4")
                            ? "10.96.0." + random.nextInt(17)
                            : "fd00:10:96::" + random.nextInt(17));
        } else if (random.nextInt(8) == 0) {
            live.service("demo/" + name).ifPresent(s -> ips.addAll(s.service().clusterIPs()));
        }
        return new ServiceSpec(
                "demo",
                name,
                nodePort ? ServiceSpec.NODE_PORT : ServiceSpec.CLUSTER_IP,
                ips,
                ports,
                Map.of("app", name),
                "None",
                0,
                "Cluster",
                "Cluster",
                families,
                families.size() == 2 ? "RequireDualStack" : "SingleStack");
    }

    private static ServiceSpec nodePort(String name, List<String> ips, int nodePort) {
        return new ServiceSpec(
                "demo",
                name,
                ServiceSpec.NODE_PORT,
                ips,
                List.of(new ServicePort("http", "TCP", 80, TargetPort.of(80), nodePort)),
                Map.of(),
                "None",
                0,
                "Cluster",
                "Cluster",
                List.of(),
                "");
    }

    /** A state from the stored events alone, as a restarted service replays them. */
    private LbState rebuilt() {
        LbState state = new LbState();
        log.forEach(state::evolve);
        return state;
    }

    private void assertRestartedStateEqualsLive(String run) {
        LbState restarted = rebuilt();
        assertSameState(restarted, live, run + " restarted");
        assertThat(restarted.allocations().snapshot().clusterIps()).as(run).isNotEmpty();
        assertSameState(live.copy(), live, run + " copied");
    }

    private static void assertSameState(LbState expected, LbState actual, String step) {
        assertThat(actual.services()).as(step).isEqualTo(expected.services());
        assertThat(actual.slices()).as(step).isEqualTo(expected.slices());
        assertThat(actual.backendIds()).as(step).isEqualTo(expected.backendIds());
        assertThat(actual.freeIds()).as(step).isEqualTo(expected.freeIds());
        assertThat(actual.highestId()).as(step).isEqualTo(expected.highestId());
        assertThat(actual.revision()).as(step).isEqualTo(expected.revision());
        for (String key : expected.services().keySet()) {
            assertThat(actual.slicesOf(key)).as(step).isEqualTo(expected.slicesOf(key));
        }
        assertThat(actual.allocations().snapshot())
                .as(step)
                .isEqualTo(expected.allocations().snapshot());
    }

    /** The indexes hold exactly what the Services hold, the taken values as maximal runs. */
    private static void assertIndexesAreTheServicesHoldings(LbState state, String step) {
        Map<IpAddress, String> ips = new TreeMap<>();
        Map<String, String> ports = new TreeMap<>();
        Map<String, TreeSet<Integer>> portsByProtocol = new TreeMap<>();
        Map<Integer, String> revNats = new TreeMap<>();
        state.services().forEach((key, s) -> {
            s.service().clusterIPs().forEach(ip -> ips.put(IpAddress.parse(ip), key));
            s.service().ports().stream().filter(p -> p.nodePort() != 0).forEach(p -> {
                ports.put(p.nodePort() + "/" + p.protocol(), key);
                portsByProtocol
                        .computeIfAbsent(p.protocol(), k -> new TreeSet<>())
                        .add(p.nodePort());
            });
            s.revNats().forEach(r -> revNats.put(r.index(), key));
        });
        Map<String, Map<Integer, Integer>> portRuns = new TreeMap<>();
        portsByProtocol.forEach((protocol, taken) -> portRuns.put(protocol, runs(taken, v -> v + 1)));
        assertThat(state.allocations().snapshot())
                .as(step)
                .isEqualTo(new LbAllocations.Snapshot(
                        ips,
                        ports,
                        revNats,
                        runs(new TreeSet<>(ips.keySet()), a -> a.plus(1)),
                        portRuns,
                        runs(new TreeSet<>(revNats.keySet()), v -> v + 1)));
    }

    private static <T extends Comparable<T>> Map<T, T> runs(TreeSet<T> taken, Function<T, T> next) {
        Map<T, T> out = new TreeMap<>();
        T first = null;
        T last = null;
        for (T v : taken) {
            if (last != null && next.apply(last).equals(v)) {
                last = v;
                continue;
            }
            if (first != null) {
                out.put(first, last);
            }
            first = v;
            last = v;
        }
        if (first != null) {
            out.put(first, last);
        }
        return out;
    }
}
