package dev.tendril.ipam.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.ipam.domain.NodeCommand.AllocatePodIps;
import dev.tendril.ipam.domain.NodeCommand.ConfirmPodIps;
import dev.tendril.ipam.domain.NodeCommand.DeregisterNode;
import dev.tendril.ipam.domain.NodeCommand.ExpireUnconfirmed;
import dev.tendril.ipam.domain.NodeCommand.RegisterNode;
import dev.tendril.ipam.domain.NodeCommand.ReleasePod;
import dev.tendril.ipam.domain.NodeCommand.ReleasePodIp;
import dev.tendril.ipam.domain.NodeEvent.PodIpAllocated;
import dev.tendril.ipam.domain.NodeEvent.PodIpReleased;
import dev.tendril.ipam.domain.PoolCommand.AllocateNodeCidrs;
import dev.tendril.ipam.domain.PoolCommand.ReleaseNodeCidrs;
import dev.tendril.net.Cidr;
import dev.tendril.net.IpAddress;
import dev.tendril.net.IpFamily;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random sequences of node registrations, allocations, releases (per address and per pod uid), stale
 * releases, expiry, clock steps and restarts (state rebuilt from the events so far) against small
 * pools that fill up: an IPv4 /26
 * cut into /28 nodes (13 pod addresses each) and an IPv6 /118 cut into /120 nodes (254 each), four
 * node CIDRs per family for five node names so the pool runs out too. After every step: no address
 * is held twice, none is a network, broadcast or router address, quarantine held, counts add up, and
 * "full" is only ever said when no address is free.
 */
class IpamPropertiesTest {

    private static final Duration QUARANTINE = Duration.ofSeconds(30);
    private static final Duration EXPIRY = Duration.ofMinutes(10);
    private static final IpamSettings SETTINGS =
            IpamSettings.validated(List.of("10.0.0.0/26"), 28, List.of("fd00::/118"), 120, QUARANTINE, EXPIRY);
    private static final int NODES = 5;
    private static final int PODS = 40;

    sealed interface Action {}

    record Register(int node) implements Action {}

    record Deregister(int node, boolean force) implements Action {}

    record Allocate(int node, int pod) implements Action {}

    record Release(int node, int pod, boolean ipv6) implements Action {}

    /** Every address of the pod's current uid in one command. */
    record ReleaseByUid(int node, int pod) implements Action {}

    /** A release-by-uid with a uid that holds nothing here (an old incarnation): frees nothing. */
    record StaleReleaseByUid(int node, int pod) implements Action {}

    /** A release by a uid that does not hold the address (an old incarnation or another pod). */
    record StaleRelease(int node, int pod, int wrongPod) implements Action {}

    record Confirm(int node, int pod) implements Action {}

    record Expire(int node) implements Action {}

    record Tick(int seconds) implements Action {}

    record Restart() implements Action {}

    @Provide
    Arbitrary<List<Action>> actions() {
        Arbitrary<Integer> node = Arbitraries.integers().between(0, NODES - 1);
        Arbitrary<Integer> pod = Arbitraries.integers().between(0, PODS - 1);
        Arbitrary<Action> action = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, node.map(Register::new)),
                net.jqwik.api.Tuple.of(
                        1,
                        Combinators.combine(node, Arbitraries.of(true, false)).as(Deregister::new)),
                net.jqwik.api.Tuple.of(20, Combinators.combine(node, pod).as(Allocate::new)),
                net.jqwik.api.Tuple.of(
                        8,
                        Combinators.combine(node, pod, Arbitraries.of(true, false))
                                .as(Release::new)),
                net.jqwik.api.Tuple.of(4, Combinators.combine(node, pod, pod).as(StaleRelease::new)),
                net.jqwik.api.Tuple.of(6, Combinators.combine(node, pod).as(ReleaseByUid::new)),
                net.jqwik.api.Tuple.of(2, Combinators.combine(node, pod).as(StaleReleaseByUid::new)),
                net.jqwik.api.Tuple.of(2, Combinators.combine(node, pod).as(Confirm::new)),
                net.jqwik.api.Tuple.of(1, node.map(Expire::new)),
                net.jqwik.api.Tuple.of(
                        4, Arbitraries.of(1, 5, 15, 29, 30, 31, 400, 700).map(Tick::new)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(new Restart())));
        return action.list().ofMinSize(1).ofMaxSize(400);
    }

    @Property(tries = 150)
    void allocationInvariantsHoldOverAnySequence(@ForAll("actions") List<Action> actions) {
        Cluster cluster = new Cluster();
        for (Action action : actions) {
            cluster.apply(action);
            cluster.checkInvariants();
        }
        cluster.restart();
        cluster.checkInvariants();
    }

    /** The system under test: the pool and node deciders with their event logs and a fake clock. */
    static final class Cluster {
        private final PoolDecider poolDecider = new PoolDecider(SETTINGS);
        private final List<PoolEvent> poolLog = new ArrayList<>();
        private final Map<String, List<NodeEvent>> nodeLogs = new HashMap<>();
        private final Map<String, NodeDecider> nodeDeciders = new HashMap<>();
        private PoolState pool = poolDecider.initialState();
        private final Map<String, NodeState> nodes = new HashMap<>();
        // Incarnation per pod index: a new allocation after a release is a new uid.
        private final Map<Integer, Integer> incarnation = new HashMap<>();
        // When each address was last released, to check quarantine at the next allocation.
        private final Map<IpAddress, Instant> releasedAt = new HashMap<>();
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        static String name(int node) {
            return "node-" + node;
        }

        static String uid(int pod, int incarnation) {
            return "uid-" + pod + "-" + incarnation;
        }

        String currentUid(int pod) {
            return uid(pod, incarnation.getOrDefault(pod, 0));
        }

        NodeDecider deciderOf(String node) {
            return nodeDeciders.computeIfAbsent(node, n -> new NodeDecider(n, SETTINGS));
        }

        NodeState stateOf(String node) {
            return nodes.computeIfAbsent(node, n -> deciderOf(n).initialState());
        }

        void apply(Action action) {
            try {
                switch (action) {
                    case Register r -> register(name(r.node()));
                    case Deregister d -> deregister(name(d.node()), d.force());
                    case Allocate a -> allocate(name(a.node()), a.pod());
                    case Release r -> release(name(r.node()), r.pod(), r.ipv6());
                    case StaleRelease s -> staleRelease(name(s.node()), s.pod(), s.wrongPod());
                    case ReleaseByUid r -> releasePod(name(r.node()), r.pod());
                    case StaleReleaseByUid s -> stalePodRelease(name(s.node()), s.pod());
                    case Confirm c -> node(name(c.node()), new ConfirmPodIps(name(c.node()), currentUid(c.pod())));
                    case Expire e -> node(name(e.node()), new ExpireUnconfirmed(name(e.node()), now));
                    case Tick t -> now = now.plusSeconds(t.seconds());
                    case Restart r -> restart();
                }
            } catch (CommandRejectedException rejected) {
                // Refusals are part of the game; checkInvariants proves they changed nothing harmful.
            }
        }

        void register(String node) {
            List<PoolEvent> cidrs = poolDecider.decide(new AllocateNodeCidrs(node, now), pool);
            PoolState trial = poolDecider.fold(concat(poolLog, cidrs));
            List<Cidr> podCidrs = List.copyOf(trial.cidrsOf(node).values());
            List<NodeEvent> events = deciderOf(node)
                    .decide(
                            new RegisterNode(node, List.of(IpAddress.parse("192.168.0.1")), "", podCidrs),
                            stateOf(node));
            commitPool(cidrs);
            commitNode(node, events);
        }

        void deregister(String node, boolean force) {
            List<NodeEvent> events = deciderOf(node).decide(new DeregisterNode(node, force, now), stateOf(node));
            List<PoolEvent> cidrs = poolDecider.decide(new ReleaseNodeCidrs(node, now), pool);
            commitNode(node, events);
            commitPool(cidrs);
        }

        void allocate(String node, int pod) {
            NodeState state = stateOf(node);
            String uid = currentUid(pod);
            Optional<PodAllocation> before = state.allocationOf(uid);
            List<NodeEvent> events;
            try {
                events = deciderOf(node).decide(new AllocatePodIps(node, "demo/pod-" + pod, uid, now), state);
            } catch (CommandRejectedException rejected) {
                if ("node".equals(rejected.field())) {
                    assertNothingFree(state);
                }
                throw rejected;
            }
            for (NodeEvent event : events) {
                if (event instanceof PodIpAllocated allocated) {
                    Instant released = releasedAt.get(allocated.ip());
                    if (released != null) {
                        assertThat(allocated.at())
                                .as("quarantine of %s", allocated.ip())
                                .isAfterOrEqualTo(released.plus(QUARANTINE));
                    }
                    assertThat(state.ownerOf(allocated.ip()))
                            .as("%s is free", allocated.ip())
                            .isEmpty();
                }
            }
            commitNode(node, events);
            if (before.isPresent()) {
                assertThat(events).isEmpty();
                assertThat(state.allocationOf(uid)).contains(before.get());
            }
        }

        void release(String node, int pod, boolean ipv6) {
            NodeState state = stateOf(node);
            String uid = currentUid(pod);
            Optional<PodAllocation> held = state.allocationOf(uid);
            if (held.isEmpty()) {
                return;
            }
            for (IpAddress ip : held.get().ips()) {
                if ((ip.family() == IpFamily.IPV6) == ipv6) {
                    commitNode(node, deciderOf(node).decide(new ReleasePodIp(node, ip, uid, now), state));
                }
            }
            if (state.allocationOf(uid).isEmpty()) {
                incarnation.merge(pod, 1, Integer::sum);
            }
        }

        void releasePod(String node, int pod) {
            NodeState state = stateOf(node);
            String uid = currentUid(pod);
            Optional<PodAllocation> held = state.allocationOf(uid);
            commitNode(node, deciderOf(node).decide(new ReleasePod(node, uid, now), state));
            assertThat(state.allocationOf(uid)).isEmpty();
            if (held.isPresent()) {
                held.get().ips().forEach(ip -> assertThat(state.ownerOf(ip)).isEmpty());
                incarnation.merge(pod, 1, Integer::sum);
            }
        }

        void stalePodRelease(String node, int pod) {
            NodeState state = stateOf(node);
            Optional<PodAllocation> held = state.allocationOf(currentUid(pod));
            String oldUid = uid(pod, incarnation.getOrDefault(pod, 0) - 1);
            if (state.allocationOf(oldUid).isPresent()) {
                // The model gives a pod one uid across nodes: allocated on two nodes and released on one,
                // its old uid still holds this node's addresses, so it is not stale here.
                return;
            }
            assertThat(deciderOf(node).decide(new ReleasePod(node, oldUid, now), state))
                    .isEmpty();
            held.ifPresent(
                    h -> h.ips().forEach(ip -> assertThat(state.ownerOf(ip)).contains(currentUid(pod))));
        }

        void staleRelease(String node, int pod, int wrongPod) {
            NodeState state = stateOf(node);
            Optional<PodAllocation> held = state.allocationOf(currentUid(pod));
            if (held.isEmpty()) {
                return;
            }
            // The old incarnation of the holder, or another pod: never the uid that holds it.
            String wrongUid = wrongPod == pod ? uid(pod, incarnation.getOrDefault(pod, 0) + 7) : currentUid(wrongPod);
            IpAddress ip = held.get().ips().getFirst();
            try {
                commitNode(node, deciderOf(node).decide(new ReleasePodIp(node, ip, wrongUid, now), state));
                throw new AssertionError("stale release of " + ip + " by " + wrongUid + " was accepted");
            } catch (CommandRejectedException expected) {
                assertThat(expected.field()).isEqualTo("uid");
                assertThat(state.ownerOf(ip)).contains(currentUid(pod));
            }
        }

        void node(String node, NodeCommand command) {
            commitNode(node, deciderOf(node).decide(command, stateOf(node)));
        }

        void commitPool(List<PoolEvent> events) {
            for (PoolEvent event : events) {
                poolDecider.evolve(pool, event);
                poolLog.add(event);
            }
        }

        void commitNode(String node, List<NodeEvent> events) {
            NodeState state = stateOf(node);
            for (NodeEvent event : events) {
                if (event instanceof PodIpReleased released) {
                    releasedAt.put(released.ip(), released.at());
                }
                deciderOf(node).evolve(state, event);
                nodeLogs.computeIfAbsent(node, n -> new ArrayList<>()).add(event);
            }
        }

        /** Rebuild every state from its events alone and check it equals the live one. */
        void restart() {
            PoolState rebuiltPool = poolDecider.fold(poolLog);
            for (PoolSpec spec : SETTINGS.pools()) {
                assertThat(rebuiltPool.used(spec.family())).isEqualTo(pool.used(spec.family()));
            }
            pool = rebuiltPool;
            for (String node : List.copyOf(nodes.keySet())) {
                NodeState rebuilt = deciderOf(node).fold(nodeLogs.getOrDefault(node, List.of()));
                NodeState live = nodes.get(node);
                assertThat(rebuilt.registered()).isEqualTo(live.registered());
                assertThat(rebuilt.podCidrs()).isEqualTo(live.podCidrs());
                assertThat(new HashMap<>(asMap(rebuilt))).isEqualTo(asMap(live));
                for (IpFamily family : IpFamily.values()) {
                    assertThat(rebuilt.quarantinedCount(family, now)).isEqualTo(live.quarantinedCount(family, now));
                }
                nodes.put(node, rebuilt);
            }
        }

        private static Map<String, PodAllocation> asMap(NodeState state) {
            Map<String, PodAllocation> map = new HashMap<>();
            state.allocations().forEach(a -> map.put(a.uid(), a));
            return map;
        }

        void checkInvariants() {
            Map<IpAddress, String> holders = new HashMap<>();
            long registered = 0;
            for (NodeState state : nodes.values()) {
                if (!state.registered()) {
                    assertThat(state.allocations()).isEmpty();
                    continue;
                }
                registered++;
                assertThat(pool.cidrsOf(state.name()).values()).containsExactlyInAnyOrderElementsOf(state.podCidrs());
                for (PodAllocation pod : state.allocations()) {
                    for (IpAddress ip : pod.ips()) {
                        String previous = holders.put(ip, pod.uid());
                        assertThat(previous)
                                .as("%s held by %s and %s", ip, previous, pod.uid())
                                .isNull();
                        Cidr cidr = state.podCidrs().stream()
                                .filter(c -> c.contains(ip))
                                .findFirst()
                                .orElseThrow();
                        long offset = cidr.offsetOf(ip);
                        assertThat(offset).as("network address %s", ip).isNotZero();
                        assertThat(offset).as("router address %s", ip).isNotEqualTo(1);
                        if (ip.family() == IpFamily.IPV4) {
                            assertThat(ip).as("broadcast address").isNotEqualTo(cidr.last());
                        }
                        assertThat(state.ownerOf(ip)).contains(pod.uid());
                        assertThat(state.isQuarantined(ip, now)).isFalse();
                    }
                }
                for (IpFamily family : IpFamily.values()) {
                    long held = state.allocations().stream()
                            .flatMap(a -> a.ips().stream())
                            .filter(ip -> ip.family() == family)
                            .count();
                    assertThat(state.allocatedCount(family)).isEqualTo(held);
                    long free = countFree(state, family);
                    assertThat(held + state.quarantinedCount(family, now) + free)
                            .isEqualTo(state.capacity(family));
                }
            }
            assertThat(pool.nodeCount()).isEqualTo(registered);
            for (PoolSpec spec : SETTINGS.pools()) {
                assertThat(pool.used(spec.family())).isEqualTo(registered);
            }
        }

        /** Brute force over the small blocks: allocatable, unheld and out of quarantine. */
        private long countFree(NodeState state, IpFamily family) {
            return state.podCidrs().stream()
                    .filter(c -> c.family() == family)
                    .mapToLong(cidr -> {
                        long free = 0;
                        long size = cidr.size().longValueExact();
                        for (long offset = 0; offset < size; offset++) {
                            IpAddress ip = cidr.addressAt(offset);
                            boolean allocatable =
                                    offset != 0 && offset != 1 && !(family == IpFamily.IPV4 && offset == size - 1);
                            if (allocatable && state.ownerOf(ip).isEmpty() && !state.isQuarantined(ip, now)) {
                                free++;
                            }
                        }
                        return free;
                    })
                    .sum();
        }

        private void assertNothingFree(NodeState state) {
            for (IpFamily family : IpFamily.values()) {
                if (state.capacity(family) > 0 && countFree(state, family) == 0) {
                    return;
                }
            }
            throw new AssertionError("node " + state.name() + " said full while addresses are free");
        }

        private static <T> List<T> concat(List<T> a, List<T> b) {
            List<T> all = new ArrayList<>(a);
            all.addAll(b);
            return all;
        }
    }
}
