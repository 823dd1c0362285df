package dev.tendril.policy.bench;

import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.PolicyMap;
import dev.tendril.k8s.labels.Label;
import dev.tendril.k8s.labels.LabelSelector;
import dev.tendril.k8s.labels.LabelSource;
import dev.tendril.net.Cidr;
import dev.tendril.policy.domain.CidrSet;
import dev.tendril.policy.domain.CiliumNetworkPolicy;
import dev.tendril.policy.domain.Entity;
import dev.tendril.policy.domain.Identity;
import dev.tendril.policy.domain.NamedPort;
import dev.tendril.policy.domain.NetworkPolicy;
import dev.tendril.policy.domain.NetworkPolicy.IngressOrEgress;
import dev.tendril.policy.domain.NetworkPolicy.NetworkPolicyPeer;
import dev.tendril.policy.domain.Policy;
import dev.tendril.policy.domain.PolicyCompiler;
import dev.tendril.policy.domain.PolicyEngine;
import dev.tendril.policy.domain.PortRule;
import dev.tendril.policy.domain.Protocol;
import dev.tendril.policy.domain.SubjectPolicy;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Load driver for docs/BENCHMARKS.md "Policy" (not a test; {@code verify} never runs it). Single-threaded,
 * pure domain code, no I/O:
 * <ol>
 *   <li>full compile of {@code policies} (1,000) policies over {@code namespaces} x {@code perNamespace}
 *       (100 x 100) pod identities plus CIDR and reserved identities, through {@link PolicyCompiler}, and
 *       the same state built in a {@link PolicyEngine} (identities first, then one apply of every policy);</li>
 *   <li>incremental updates on that engine: {@code updates} (2,000) new identities (upsert + named ports),
 *       each then removed, per-call latency distribution (sorted array) and how many subjects each
 *       republished.</li>
 * </ol>
 *
 * <pre>./mvnw -B -o -q -pl services/policy test-compile -Pbench [-Dpolicies=1000 -Dnamespaces=100 -DperNamespace=100 -Dupdates=2000 -Drounds=5]</pre>
 */
public final class PolicyBenchmark {

    private static final String CLUSTER = "bench";

    private PolicyBenchmark() {}

    public static void main(String[] args) {
        int namespaces = Integer.getInteger("namespaces", 100);
        int perNamespace = Integer.getInteger("perNamespace", 100);
        int policyCount = Integer.getInteger("policies", 1_000);
        int updates = Integer.getInteger("updates", 2_000);
        int rounds = Integer.getInteger("rounds", 5);
        System.out.printf(
                "policy benchmark: %d namespaces x %d identities, %d policies; Java %s, %d CPUs, load average %.2f%n",
                namespaces,
                perNamespace,
                policyCount,
                Runtime.version(),
                Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());

        Model model = new Model(namespaces, perNamespace, policyCount);
        System.out.printf(
                "model: %,d identities (%,d pods, %d CIDR), %,d policies%n",
                model.identities.size(), namespaces * perNamespace, model.cidrs, model.policies.size());

        PolicyCompiler compiler = new PolicyCompiler(CLUSTER);
        List<Identity> subjects =
                model.identities.stream().filter(PolicyEngine::isSubject).toList();
        long[] compile = new long[rounds];
        Map<Long, SubjectPolicy> compiled = Map.of();
        for (int warm = 0; warm < 2; warm++) {
            compiled = compiler.compile(model.policies, model.identities, model.namedPorts, subjects);
        }
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            compiled = compiler.compile(model.policies, model.identities, model.namedPorts, subjects);
            compile[r] = System.nanoTime() - t0;
        }
        long entries =
                compiled.values().stream().mapToLong(sp -> sp.entries().size()).sum();
        int largest = compiled.values().stream()
                .mapToInt(sp -> sp.entries().size())
                .max()
                .orElse(0);
        long enforced = compiled.values().stream()
                .filter(sp -> sp.enforced(Direction.INGRESS) || sp.enforced(Direction.EGRESS))
                .count();
        System.out.printf(
                "full compile: %,d subjects (%,d enforced), %,d entries (largest map %,d): %s%n",
                compiled.size(), enforced, entries, largest, millis(compile));

        long[] build = new long[Math.max(1, rounds / 2)];
        PolicyEngine engine = null;
        for (int r = 0; r < build.length; r++) {
            long t0 = System.nanoTime();
            engine = new PolicyEngine(CLUSTER, PolicyMap.MAX_MAX_ENTRIES);
            for (Identity i : model.identities) {
                engine.upsertIdentity(i);
            }
            for (var e : model.namedPorts.entrySet()) {
                engine.setNamedPorts(e.getKey(), e.getValue());
            }
            engine.apply(model.policies);
            build[r] = System.nanoTime() - t0;
        }
        if (!engine.subjects().equals(compiled)) {
            throw new IllegalStateException("engine state differs from the full compile");
        }
        System.out.printf("engine build (identities one by one, then one apply of every policy): %s%n", millis(build));
        compiled = null;
        System.gc();

        Random random = new Random(42);
        long[] upsert = new long[updates];
        long[] ports = new long[updates];
        long[] remove = new long[updates];
        long[] republished = new long[updates];
        long[] upsertCpu = new long[updates];
        var threads = ManagementFactory.getThreadMXBean();
        long nextId = 900_000;
        for (int warm = 0; warm < 500; warm++) {
            Identity i = model.newPod(++nextId, random);
            engine.upsertIdentity(i);
            engine.setNamedPorts(i.id(), Model.NAMED_PORTS);
            engine.removeIdentity(i.id());
        }
        long gcCount = gcCount();
        long gcMillis = gcMillis();
        long phase = System.nanoTime();
        for (int n = 0; n < updates; n++) {
            Identity i = model.newPod(++nextId, random);
            long cpu0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            PolicyEngine.Changes c = engine.upsertIdentity(i);
            long t1 = System.nanoTime();
            upsertCpu[n] = threads.getCurrentThreadCpuTime() - cpu0;
            PolicyEngine.Changes p = engine.setNamedPorts(i.id(), Model.NAMED_PORTS);
            long t2 = System.nanoTime();
            engine.removeIdentity(i.id());
            long t3 = System.nanoTime();
            upsert[n] = t1 - t0;
            ports[n] = t2 - t1;
            remove[n] = t3 - t2;
            republished[n] = c.changed().size() + p.changed().size();
        }
        double phaseSeconds = (System.nanoTime() - phase) / 1e9;
        System.out.printf(
                "incremental phase: %.1f s, %d GCs taking %d ms in total%n",
                phaseSeconds, gcCount() - gcCount, gcMillis() - gcMillis);
        System.out.printf("new identity (upsertIdentity), wall clock: %s%n", micros(upsert));
        System.out.printf("new identity (upsertIdentity), thread CPU time: %s%n", micros(upsertCpu));
        System.out.printf("its named ports (setNamedPorts): %s%n", micros(ports));
        System.out.printf("new identity + named ports: %s%n", micros(sum(upsert, ports)));
        System.out.printf("identity removal (removeIdentity): %s%n", micros(remove));
        Arrays.sort(republished);
        System.out.printf(
                "subjects republished per new identity: p50 %d, p99 %d, max %d%n",
                republished[updates / 2], republished[(int) (updates * 0.99)], republished[updates - 1]);
        System.out.printf(
                "load average at the end: %.2f%n",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    private static long gcCount() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(b -> b.getCollectionCount())
                .sum();
    }

    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(b -> b.getCollectionTime())
                .sum();
    }

    private static long[] sum(long[] a, long[] b) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] + b[i];
        }
        return out;
    }

    private static String millis(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return String.format(
                "min %.0f ms, median %.0f ms, max %.0f ms (%d runs)",
                s[0] / 1e6, s[s.length / 2] / 1e6, s[s.length - 1] / 1e6, s.length);
    }

    private static String micros(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return String.format(
                "p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms (%,d calls)",
                s[s.length / 2] / 1e6,
                s[(int) (s.length * 0.9)] / 1e6,
                s[(int) (s.length * 0.99)] / 1e6,
                s[Math.min(s.length - 1, (int) (s.length * 0.999))] / 1e6,
                s[s.length - 1] / 1e6,
                s.length);
    }

    /**
     * The synthetic cluster: namespace {@code ns-i} has labels {@code ns}, {@code team} (10 teams) and
     * {@code env} (prod or dev); its 100 identities are {@code app} (25 apps) x {@code tier} (4 tiers).
     * Ten policies per namespace mix podSelector, namespaceSelector, both, ipBlock, ports, named ports,
     * entities and deny rules (see {@link #policies(int)}).
     */
    static final class Model {
        static final List<NamedPort> NAMED_PORTS = List.of(
                new NamedPort("http", 8080, Protocol.TCP),
                new NamedPort("metrics", 9090, Protocol.TCP),
                new NamedPort("dns", 53, Protocol.UDP));
        static final int APPS = 25;

        final List<Identity> identities = new ArrayList<>();
        final Map<Long, List<NamedPort>> namedPorts = new HashMap<>();
        final List<Policy> policies = new ArrayList<>();
        final int namespaces;
        final int cidrs;

        Model(int namespaces, int perNamespace, int policyCount) {
            this.namespaces = namespaces;
            PolicyEngine.RESERVED.forEach(identities::add);
            long id = 256;
            for (int n = 0; n < namespaces; n++) {
                for (int p = 0; p < perNamespace; p++) {
                    Identity i = Identity.pod(
                            ++id,
                            "ns-" + n,
                            namespaceLabels(n),
                            Map.of(
                                    "app",
                                    "app-" + (p % APPS),
                                    "tier",
                                    "t" + (p / APPS) % 4,
                                    "version",
                                    "v" + p / (APPS * 4)),
                            CLUSTER);
                    identities.add(i);
                    namedPorts.put(i.id(), p % 3 == 0 ? NAMED_PORTS : NAMED_PORTS.subList(0, 1));
                }
            }
            int c = 0;
            for (int k = 0; k < 10; k++) {
                identities.add(Identity.cidr(0x0100_0000L + ++c, Cidr.parse("10." + k + ".0.0/16")));
                identities.add(Identity.cidr(0x0100_0000L + ++c, Cidr.parse("192.168." + k + ".0/24")));
            }
            this.cidrs = c;
            for (int n = 0; policies.size() < policyCount; n = (n + 1) % namespaces) {
                for (Policy p : policies(n)) {
                    if (policies.size() < policyCount && !policies.contains(p)) {
                        policies.add(p);
                    }
                }
            }
        }

        static Map<String, String> namespaceLabels(int n) {
            return Map.of("ns", "ns-" + n, "team", "team-" + n % 10, "env", n % 2 == 0 ? "prod" : "dev");
        }

        Identity newPod(long id, Random random) {
            int n = random.nextInt(namespaces);
            return Identity.pod(
                    id,
                    "ns-" + n,
                    namespaceLabels(n),
                    Map.of(
                            "app",
                            "app-" + random.nextInt(APPS),
                            "tier",
                            "t" + random.nextInt(4),
                            "version",
                            "canary-" + id),
                    CLUSTER);
        }

        private static LabelSelector labels(String... keyValues) {
            List<LabelSelector.Requirement> rs = new ArrayList<>();
            for (int i = 0; i < keyValues.length; i += 2) {
                rs.add(LabelSelector.Requirement.equal(LabelSource.K8S, keyValues[i], keyValues[i + 1]));
            }
            return new LabelSelector(rs);
        }

        private static IngressOrEgress rule(List<NetworkPolicyPeer> peers, PortRule... ports) {
            return new IngressOrEgress(peers, List.of(ports));
        }

        /** The ten policies of namespace {@code n}. */
        List<Policy> policies(int n) {
            String ns = "ns-" + n;
            String app = "app-" + n % APPS;
            String other = "app-" + (n + 7) % APPS;
            CidrSet corp = new CidrSet(Cidr.parse("10.0.0.0/8"), List.of(Cidr.parse("10.1.0.0/16")));
            CidrSet internet = new CidrSet(Cidr.parse("0.0.0.0/0"), List.of(Cidr.parse("10.0.0.0/8")));
            Set<Direction> ingressOnly = Set.of(Direction.INGRESS);
            Set<Direction> egressOnly = Set.of(Direction.EGRESS);
            List<Policy> out = new ArrayList<>();
            out.add(new NetworkPolicy(ns, "default-deny", LabelSelector.ALL, List.of(), List.of(), ingressOnly));
            out.add(new NetworkPolicy(
                    ns,
                    "front-to-" + app,
                    labels("app", app),
                    List.of(rule(
                            List.of(new NetworkPolicyPeer.Pods(labels("tier", "t0"))),
                            PortRule.of(Protocol.TCP, 8080))),
                    List.of(),
                    ingressOnly));
            out.add(new NetworkPolicy(
                    ns,
                    "team-to-t1",
                    labels("tier", "t1"),
                    List.of(rule(
                            List.of(new NetworkPolicyPeer.PodsInNamespaces(
                                    labels("app", other), labels("team", "team-" + n % 10))),
                            PortRule.of(Protocol.TCP, 80),
                            PortRule.of(Protocol.TCP, 443))),
                    List.of(),
                    ingressOnly));
            out.add(new NetworkPolicy(
                    ns,
                    "corp-to-" + other,
                    labels("app", other),
                    List.of(rule(List.of(new NetworkPolicyPeer.IpBlock(corp)), PortRule.of(Protocol.TCP, 443))),
                    List.of(),
                    ingressOnly));
            out.add(new NetworkPolicy(
                    ns,
                    "egress-" + app,
                    labels("app", app),
                    List.of(),
                    List.of(
                            rule(
                                    List.of(new NetworkPolicyPeer.PodsInNamespaces(
                                            labels("app", other), labels("ns", "ns-" + (n + 1) % namespaces))),
                                    PortRule.named(Protocol.TCP, "http")),
                            rule(List.of(new NetworkPolicyPeer.IpBlock(internet)), PortRule.of(Protocol.TCP, 443))),
                    egressOnly));
            out.add(new CiliumNetworkPolicy(
                    ns,
                    "node-metrics",
                    labels("tier", "t2"),
                    List.of(new CiliumNetworkPolicy.CiliumRule(
                            List.of(),
                            List.of(Entity.HOST, Entity.REMOTE_NODE),
                            List.of(),
                            List.of(PortRule.of(Protocol.TCP, 9090)))),
                    List.of(new CiliumNetworkPolicy.CiliumRule(
                            List.of(),
                            List.of(Entity.KUBE_APISERVER),
                            List.of(),
                            List.of(PortRule.of(Protocol.TCP, 443)))),
                    List.of(),
                    List.of(),
                    Set.of(),
                    Set.of()));
            out.add(new CiliumNetworkPolicy(
                    ns,
                    "deny-neighbour",
                    LabelSelector.ALL,
                    List.of(),
                    List.of(),
                    List.of(new CiliumNetworkPolicy.CiliumRule(
                            List.of(labels(Label.NAMESPACE_KEY, "ns-" + (n + 2) % namespaces, "app", app)),
                            List.of(),
                            List.of(),
                            List.of())),
                    List.of(),
                    Set.of(),
                    Set.of()));
            out.add(new NetworkPolicy(
                    ns,
                    "prod-monitoring",
                    labels("app", app, "tier", "t3"),
                    List.of(rule(
                            List.of(new NetworkPolicyPeer.PodsInNamespaces(
                                    labels("app", "app-0", "tier", "t3"), labels("env", "prod"))),
                            PortRule.named(Protocol.TCP, "metrics"))),
                    List.of(),
                    ingressOnly));
            out.add(new NetworkPolicy(
                    ns,
                    "dns",
                    LabelSelector.ALL,
                    List.of(),
                    List.of(
                            rule(
                                    List.of(new NetworkPolicyPeer.PodsInNamespaces(
                                            labels("app", "app-0", "tier", "t0"), labels("ns", "ns-0"))),
                                    PortRule.of(Protocol.UDP, 53),
                                    PortRule.of(Protocol.TCP, 53)),
                            rule(List.of(new NetworkPolicyPeer.Pods(LabelSelector.ALL)))),
                    egressOnly));
            out.add(new NetworkPolicy(
                    ns,
                    "same-ns-" + other,
                    labels("app", other),
                    List.of(rule(
                            List.of(
                                    new NetworkPolicyPeer.Pods(labels("app", app)),
                                    new NetworkPolicyPeer.Pods(labels("tier", "t3"))),
                            PortRule.range(Protocol.TCP, 8000, 8099))),
                    List.of(),
                    ingressOnly));
            return out;
        }
    }
}
