package dev.tendril.policy.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.datapath.policymap.Direction;
import dev.tendril.k8s.labels.Label;
import dev.tendril.k8s.labels.LabelSelector;
import dev.tendril.k8s.labels.LabelSource;
import dev.tendril.net.Cidr;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded random walks over policies (NetworkPolicy and CiliumNetworkPolicy), identities (added, removed,
 * relabelled, whole namespaces relabelled) and named ports. After every step the incremental
 * {@link PolicyEngine} must equal a full compile, publish exactly the subjects whose content changed, agree
 * with {@link FullRecomputeEngine} on changes and overflows (with a small map size), and its selector cache
 * must hold what matching every selector against every identity gives.
 */
class PolicyEngineEquivalenceTest {

    static final String CLUSTER = "default";
    static final List<String> NAMESPACES = List.of("x", "y", "z", "w");
    static final int STEPS = 150;

    static Stream<Long> seeds() {
        return LongStream.range(1, 26).boxed();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void incrementalEngineEqualsFullCompileAfterEveryStep(long seed) {
        new Walk(seed, Integer.MAX_VALUE).run();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void incrementalEngineMatchesTheFullRecomputeModelWithOverflows(long seed) {
        new Walk(seed + 1000, 14).run();
    }

    /** One random walk. */
    static final class Walk {
        final Random random;
        final PolicyEngine engine;
        final FullRecomputeEngine model;
        final int maxEntries;
        final Map<String, Map<String, String>> namespaceLabels = new LinkedHashMap<>();
        final Map<Long, Identity> pods = new TreeMap<>();
        long nextId = 1000;

        Walk(long seed, int maxEntries) {
            this.random = new Random(seed);
            this.maxEntries = maxEntries;
            this.engine = new PolicyEngine(CLUSTER, maxEntries);
            this.model = new FullRecomputeEngine(CLUSTER, maxEntries);
            for (String ns : NAMESPACES) {
                namespaceLabels.put(ns, Map.of("ns", ns, "team", random.nextBoolean() ? "red" : "blue"));
            }
        }

        void run() {
            step(
                    "cidr 10.0.0.0/8",
                    e -> e.upsertIdentity(Identity.cidr(0x0100_0001L, Cidr.parse("10.0.0.0/8"))),
                    m -> m.upsertIdentity(Identity.cidr(0x0100_0001L, Cidr.parse("10.0.0.0/8"))));
            step(
                    "cidr 10.1.0.0/16",
                    e -> e.upsertIdentity(Identity.cidr(0x0100_0002L, Cidr.parse("10.1.0.0/16"))),
                    m -> m.upsertIdentity(Identity.cidr(0x0100_0002L, Cidr.parse("10.1.0.0/16"))));
            for (int i = 0; i < 8; i++) {
                addPod();
            }
            for (int i = 0; i < STEPS; i++) {
                int op = random.nextInt(100);
                if (op < 25) {
                    List<Policy> ps = new ArrayList<>();
                    int n = 1 + random.nextInt(2);
                    for (int k = 0; k < n; k++) {
                        ps.add(randomPolicy());
                    }
                    step("apply " + ps, e -> e.apply(ps), m -> m.apply(ps));
                } else if (op < 33 && !model.policies.isEmpty()) {
                    PolicyRef ref = pick(new ArrayList<>(model.policies.keySet()));
                    step("delete " + ref, e -> e.delete(ref), m -> m.delete(ref));
                } else if (op < 50) {
                    addPod();
                } else if (op < 58 && !pods.isEmpty()) {
                    long id = pick(new ArrayList<>(pods.keySet()));
                    pods.remove(id);
                    step("remove " + id, e -> e.removeIdentity(id), m -> m.removeIdentity(id));
                } else if (op < 72 && !pods.isEmpty()) {
                    long id = pick(new ArrayList<>(pods.keySet()));
                    Identity relabelled = randomPod(id, pick(NAMESPACES));
                    pods.put(id, relabelled);
                    step("relabel " + relabelled, e -> e.upsertIdentity(relabelled), m -> m.upsertIdentity(relabelled));
                } else if (op < 80) {
                    String ns = pick(NAMESPACES);
                    String team = namespaceLabels.get(ns).get("team").equals("red") ? "blue" : "red";
                    namespaceLabels.put(ns, Map.of("ns", ns, "team", team));
                    for (Identity p : List.copyOf(pods.values())) {
                        if (p.label(LabelSource.K8S, Label.NAMESPACE_KEY)
                                .orElseThrow()
                                .value()
                                .equals(ns)) {
                            Map<String, String> podLabels = new HashMap<>();
                            p.labels().stream()
                                    .filter(l -> !l.key().startsWith("io."))
                                    .forEach(l -> podLabels.put(l.key(), l.value()));
                            Identity moved = Identity.pod(p.id(), ns, namespaceLabels.get(ns), podLabels, CLUSTER);
                            pods.put(p.id(), moved);
                            step(
                                    "namespace relabel " + moved,
                                    e -> e.upsertIdentity(moved),
                                    m -> m.upsertIdentity(moved));
                        }
                    }
                } else if (!pods.isEmpty()) {
                    long id = random.nextInt(10) == 0 ? Identity.HOST : pick(new ArrayList<>(pods.keySet()));
                    List<NamedPort> ports = randomNamedPorts();
                    step(
                            "named ports " + id + " " + ports,
                            e -> e.setNamedPorts(id, ports),
                            m -> m.setNamedPorts(id, ports));
                }
            }
        }

        void addPod() {
            Identity p = randomPod(nextId++, pick(NAMESPACES));
            pods.put(p.id(), p);
            step("add " + p, e -> e.upsertIdentity(p), m -> m.upsertIdentity(p));
            if (random.nextBoolean()) {
                List<NamedPort> ports = randomNamedPorts();
                step(
                        "named ports " + p.id() + " " + ports,
                        e -> e.setNamedPorts(p.id(), ports),
                        m -> m.setNamedPorts(p.id(), ports));
            }
        }

        void step(
                String what,
                java.util.function.Function<PolicyEngine, PolicyEngine.Changes> onEngine,
                java.util.function.Function<FullRecomputeEngine, PolicyEngine.Changes> onModel) {
            Map<Long, SubjectPolicy> before = new TreeMap<>(engine.subjects());
            PolicyEngine.Changes changes = onEngine.apply(engine);
            PolicyEngine.Changes expectedChanges = onModel.apply(model);
            String context = what + " (max " + maxEntries + ")";
            assertThat(changes).as(context).isEqualTo(expectedChanges);
            assertThat(engine.subjects()).as(context).isEqualTo(model.subjects);
            assertThat(engine.overflows()).as(context).containsExactlyElementsOf(model.overflowing.values());
            if (maxEntries == Integer.MAX_VALUE) {
                Map<Long, SubjectPolicy> full = model.fullCompile();
                assertThat(engine.subjects()).as(context).isEqualTo(full);
                Set<Long> differing = new TreeSet<>();
                full.forEach((id, sp) -> {
                    if (!sp.equals(before.get(id))) {
                        differing.add(id);
                    }
                });
                assertThat(changes.changed().keySet()).as(context).isEqualTo(differing);
                Set<Long> gone = new TreeSet<>(before.keySet());
                gone.removeAll(full.keySet());
                assertThat(changes.removed()).as(context).isEqualTo(gone);
            }
            assertCacheIsExact(context);
        }

        void assertCacheIsExact(String context) {
            SelectorCache cache = engine.selectorCache();
            Map<Peer, SortedSet<PolicyRef>> users = new HashMap<>();
            for (Policy p : model.policies.values()) {
                users.computeIfAbsent(SelectorCache.subjectSelector(p), k -> new TreeSet<>())
                        .add(p.ref());
                SelectorCache.peerSelectors(p)
                        .forEach(peer -> users.computeIfAbsent(peer, k -> new TreeSet<>())
                                .add(p.ref()));
            }
            assertThat(cache.entries()).as(context).hasSize(users.size());
            for (SelectorCache.Entry e : cache.entries()) {
                Set<Long> naive = new TreeSet<>();
                model.identities.values().stream()
                        .filter(i -> e.peer().selects(i, CLUSTER))
                        .forEach(i -> naive.add(i.id()));
                assertThat(new TreeSet<>(e.selected()))
                        .as(context + " " + e.peer())
                        .isEqualTo(naive);
                assertThat(e.users()).as(context + " " + e.peer()).isEqualTo(users.get(e.peer()));
            }
            for (Identity i : model.identities.values()) {
                Set<PolicyRef> naive = new TreeSet<>();
                model.policies.values().stream()
                        .filter(p -> p.subject().matches(i))
                        .forEach(p -> naive.add(p.ref()));
                assertThat(new TreeSet<>(cache.policiesSelecting(i.id())))
                        .as(context + " subject " + i)
                        .isEqualTo(naive);
            }
        }

        <T> T pick(List<T> list) {
            return list.get(random.nextInt(list.size()));
        }

        Identity randomPod(long id, String ns) {
            Map<String, String> labels = new HashMap<>();
            labels.put("pod", pick(List.of("a", "b", "c")));
            labels.put("app", pick(List.of("web", "db", "cache")));
            if (random.nextBoolean()) {
                labels.put("tier", pick(List.of("front", "back")));
            }
            return Identity.pod(id, ns, namespaceLabels.get(ns), labels, random.nextInt(12) == 0 ? "other" : CLUSTER);
        }

        List<NamedPort> randomNamedPorts() {
            List<NamedPort> out = new ArrayList<>();
            if (random.nextInt(3) > 0) {
                out.add(new NamedPort("http", pick(List.of(80, 8080)), Protocol.TCP));
            }
            if (random.nextBoolean()) {
                out.add(new NamedPort("dns", 53, Protocol.UDP));
            }
            if (random.nextInt(4) == 0) {
                out.add(new NamedPort("web", 81, Protocol.TCP));
            }
            return out;
        }

        LabelSelector.Requirement requirement(String source) {
            return switch (random.nextInt(6)) {
                case 0 -> LabelSelector.Requirement.equal(source, "pod", pick(List.of("a", "b")));
                case 1 ->
                    new LabelSelector.Requirement(
                            source, "app", LabelSelector.Operator.IN, new TreeSet<>(Set.of("web", "db")));
                case 2 ->
                    new LabelSelector.Requirement(
                            source, "app", LabelSelector.Operator.NOT_IN, new TreeSet<>(Set.of("db")));
                case 3 -> LabelSelector.Requirement.exists(source, "tier");
                case 4 ->
                    new LabelSelector.Requirement(
                            source, "tier", LabelSelector.Operator.DOES_NOT_EXIST, new TreeSet<>());
                default -> LabelSelector.Requirement.equal(source, "app", pick(List.of("web", "cache")));
            };
        }

        LabelSelector selector(String source) {
            List<LabelSelector.Requirement> rs = new ArrayList<>();
            int n = random.nextInt(3);
            for (int i = 0; i < n; i++) {
                rs.add(requirement(source));
            }
            return new LabelSelector(rs);
        }

        LabelSelector namespaceSelector() {
            return switch (random.nextInt(4)) {
                case 0 -> LabelSelector.ALL;
                case 1 ->
                    new LabelSelector(
                            List.of(LabelSelector.Requirement.equal(LabelSource.K8S, "ns", pick(NAMESPACES))));
                default ->
                    new LabelSelector(List.of(
                            LabelSelector.Requirement.equal(LabelSource.K8S, "team", pick(List.of("red", "blue")))));
            };
        }

        CidrSet cidrSet() {
            return switch (random.nextInt(3)) {
                case 0 -> new CidrSet(Cidr.parse("10.0.0.0/8"), List.of(Cidr.parse("10.1.0.0/16")));
                case 1 -> new CidrSet(Cidr.parse("0.0.0.0/0"), List.of());
                default -> new CidrSet(Cidr.parse("10.0.0.0/8"), List.of());
            };
        }

        List<PortRule> ports() {
            List<PortRule> out = new ArrayList<>();
            int n = random.nextInt(3);
            for (int i = 0; i < n; i++) {
                out.add(
                        switch (random.nextInt(7)) {
                            case 0 -> PortRule.of(Protocol.TCP, 80);
                            case 1 -> PortRule.range(Protocol.TCP, 8080, 8090);
                            case 2 -> PortRule.named(Protocol.TCP, "http");
                            case 3 -> PortRule.named(Protocol.UDP, "dns");
                            case 4 -> new PortRule(Protocol.UDP, new PortRule.Port.Any(), 0, false);
                            case 5 -> PortRule.of(Protocol.ANY, 53);
                            default -> PortRule.named(Protocol.ANY, "web");
                        });
            }
            return out;
        }

        Policy randomPolicy() {
            String ns = pick(NAMESPACES.subList(0, 3));
            String name = pick(List.of("p1", "p2", "p3"));
            return random.nextBoolean() ? networkPolicy(ns, name) : ciliumPolicy(ns, name);
        }

        NetworkPolicy networkPolicy(String ns, String name) {
            List<NetworkPolicy.IngressOrEgress> ingress = new ArrayList<>();
            List<NetworkPolicy.IngressOrEgress> egress = new ArrayList<>();
            for (int i = random.nextInt(3); i > 0; i--) {
                ingress.add(new NetworkPolicy.IngressOrEgress(npPeers(), ports()));
            }
            for (int i = random.nextInt(3); i > 0; i--) {
                egress.add(new NetworkPolicy.IngressOrEgress(npPeers(), ports()));
            }
            Set<Direction> types = switch (random.nextInt(4)) {
                case 0 -> Set.of(Direction.INGRESS);
                case 1 -> Set.of(Direction.EGRESS);
                case 2 -> Set.of(Direction.INGRESS, Direction.EGRESS);
                default -> Set.of();
            };
            return new NetworkPolicy(ns, name, selector(LabelSource.K8S), ingress, egress, types);
        }

        List<NetworkPolicy.NetworkPolicyPeer> npPeers() {
            List<NetworkPolicy.NetworkPolicyPeer> out = new ArrayList<>();
            for (int i = random.nextInt(3); i > 0; i--) {
                out.add(
                        switch (random.nextInt(4)) {
                            case 0 -> new NetworkPolicy.NetworkPolicyPeer.Pods(selector(LabelSource.K8S));
                            case 1 -> new NetworkPolicy.NetworkPolicyPeer.Namespaces(namespaceSelector());
                            case 2 ->
                                new NetworkPolicy.NetworkPolicyPeer.PodsInNamespaces(
                                        selector(LabelSource.K8S), namespaceSelector());
                            default -> new NetworkPolicy.NetworkPolicyPeer.IpBlock(cidrSet());
                        });
            }
            return out;
        }

        CiliumNetworkPolicy ciliumPolicy(String ns, String name) {
            return new CiliumNetworkPolicy(
                    ns,
                    name,
                    selector(LabelSource.ANY),
                    ciliumRules(),
                    ciliumRules(),
                    random.nextInt(3) == 0 ? ciliumRules() : List.of(),
                    random.nextInt(3) == 0 ? ciliumRules() : List.of(),
                    random.nextInt(5) == 0 ? Set.of(Direction.EGRESS) : Set.of(),
                    random.nextInt(5) == 0 ? Set.of(Direction.INGRESS) : Set.of());
        }

        List<CiliumNetworkPolicy.CiliumRule> ciliumRules() {
            List<CiliumNetworkPolicy.CiliumRule> out = new ArrayList<>();
            for (int i = random.nextInt(3); i > 0; i--) {
                List<LabelSelector> endpoints = new ArrayList<>();
                if (random.nextBoolean()) {
                    LabelSelector s = selector(LabelSource.ANY);
                    if (random.nextBoolean()) {
                        s = s.and(List.of(LabelSelector.Requirement.equal(
                                LabelSource.K8S, Label.NAMESPACE_KEY, pick(NAMESPACES))));
                    }
                    endpoints.add(s);
                }
                List<Entity> entities = random.nextInt(3) == 0
                        ? List.of(pick(List.of(
                                Entity.HOST,
                                Entity.WORLD,
                                Entity.CLUSTER,
                                Entity.HEALTH,
                                Entity.ALL,
                                Entity.REMOTE_NODE)))
                        : List.of();
                List<CidrSet> cidrs = random.nextInt(4) == 0 ? List.of(cidrSet()) : List.of();
                out.add(new CiliumNetworkPolicy.CiliumRule(endpoints, entities, cidrs, ports()));
            }
            return out;
        }
    }
}
