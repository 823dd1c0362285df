package dev.tendril.policy.domain;

import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Compiles policies into the policy-map entries of every subject identity: a pure function of the
 * policies, the known identities and their named ports.
 *
 * <p>For each subject:
 * <ul>
 *   <li>the policies whose subject selector matches it contribute their rules; a rule for every peer
 *       becomes identity 0, otherwise one key per selected identity;</li>
 *   <li>a direction that some selecting policy enforces is default deny: only its entries allow; a
 *       direction no selecting policy enforces gets the allow-all entry (identity 0, any protocol and
 *       port), which is what Cilium installs for an endpoint without enforcement in that direction, so
 *       that the decision function needs no notion of enforcement;</li>
 *   <li>deny wins: a key both allowed and denied is a deny entry, and an allow entry is dropped when a
 *       deny of the same or wildcard identity covers its protocol and ports (the trie would otherwise let
 *       the longer allow prefix hide the deny);</li>
 *   <li>ports: no ports = any protocol and port; a protocol without port = that protocol; ANY with a port =
 *       TCP, UDP and SCTP; {@code endPort} ranges are split into aligned prefixes; a named port is looked
 *       up in the destination's named ports (the subject on ingress, each peer on egress; for identity 0
 *       on egress, every port number any identity gives that name) and contributes nothing where the
 *       name is unknown or its protocol differs.</li>
 * </ul>
 * Entries keep the policies that produced them, for "which policy allowed or denied this".
 *
 * <p>Every known identity is compiled as a subject, world and CIDR identities included: they never own
 * a policy map and no namespaced policy selects them, so they get the two allow-all entries.
 *
 * <p>Reserved identities, as Cilium with {@code allow-localhost=auto} (policy enforcement "default"):
 * <ul>
 *   <li>host (1): a subject whose ingress is enforced also gets an ingress allow entry for the host, any
 *       protocol and port, owned by no policy, so that the node (kubelet probes) still reaches its pods;
 *       a deny covering the host removes it (deny wins; a narrower host deny keeps it and wins in the
 *       datapath for what it covers);</li>
 *   <li>health (4): a subject like the other reserved identities (no namespaced policy selects it, so it
 *       allows everything); as a peer it is not special: ingress from health to a pod whose ingress is
 *       enforced needs a rule allowing the {@code health} entity (or every peer);</li>
 *   <li>a pod to itself: not a policy-map matter, since loopback traffic inside the pod never reaches the
 *       datapath; nothing is compiled for it.</li>
 * </ul>
 * Map-size limits are {@link PolicyEngine}'s concern.
 */
public final class PolicyCompiler {

    private static final List<Protocol> CONCRETE = List.of(Protocol.TCP, Protocol.UDP, Protocol.SCTP);

    private final String clusterName;

    /** @param clusterName the local cluster, for the {@code cluster} entity */
    public PolicyCompiler(String clusterName) {
        this.clusterName = clusterName;
    }

    public String clusterName() {
        return clusterName;
    }

    /**
     * The entries of every known identity.
     *
     * @param namedPorts per destination identity; identities without named ports may be absent
     */
    public Map<Long, SubjectPolicy> compile(
            Collection<? extends Policy> policies,
            Collection<Identity> identities,
            Map<Long, List<NamedPort>> namedPorts) {
        return compile(policies, identities, namedPorts, identities);
    }

    /**
     * The entries of the given subjects, with peers selected among all {@code identities}.
     *
     * @param namedPorts per destination identity; identities without named ports may be absent
     */
    public Map<Long, SubjectPolicy> compile(
            Collection<? extends Policy> policies,
            Collection<Identity> identities,
            Map<Long, List<NamedPort>> namedPorts,
            Collection<Identity> subjects) {
        return compile(policies, identities, namedPorts, subjects, Map.of());
    }

    /**
     * As {@link #compile(Collection, Collection, Map, Collection)}, with the addresses of each identity's
     * endpoints (one set per endpoint), which ipBlock peers match.
     */
    public Map<Long, SubjectPolicy> compile(
            Collection<? extends Policy> policies,
            Collection<Identity> identities,
            Map<Long, List<NamedPort>> namedPorts,
            Collection<Identity> subjects,
            Map<Long, List<Set<dev.tendril.net.IpAddress>>> endpointAddresses) {
        // Every distinct selector, subject selectors included, is matched once against the identities that
        // could match it, instead of every policy against every subject.
        SelectorCache cache = new SelectorCache(clusterName);
        identities.forEach(cache::upsertIdentity);
        endpointAddresses.forEach(cache::setEndpointAddresses);
        policies.forEach(cache::addPolicy);
        List<Policy> all = List.copyOf(policies);
        Map<Long, List<Integer>> selecting = new HashMap<>();
        for (int n = 0; n < all.size(); n++) {
            for (long id : cache.selected(SelectorCache.subjectSelector(all.get(n)))) {
                selecting.computeIfAbsent(id, k -> new ArrayList<>()).add(n);
            }
        }
        Batch batch = new Batch(cache, namedPorts);
        Map<Long, SubjectPolicy> out = new TreeMap<>();
        for (Identity subject : subjects) {
            List<Integer> its = cache.knows(subject.id())
                    ? selecting.getOrDefault(subject.id(), List.of())
                    : java.util.stream.IntStream.range(0, all.size())
                            .filter(n -> all.get(n).subject().matches(subject))
                            .boxed()
                            .toList();
            out.put(
                    subject.id(),
                    batch.compile(subject.id(), its.stream().map(all::get).toList(), its));
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    /**
     * Compiles several subjects against one state. Subjects selected by the same policies compile to the
     * same entries (unless ingress named ports, which resolve against the subject, differ), so each such
     * group is compiled once and its entries shared; each policy's rules are normalised once.
     */
    final class Batch {
        private final SelectorCache cache;
        private final Map<Long, List<NamedPort>> namedPorts;
        private final Map<Policy, Normalised> normalised = new java.util.IdentityHashMap<>();
        private final Map<GroupKey, SubjectPolicy> groups = new HashMap<>();

        private record Normalised(Policy policy, List<Rule> rules, boolean ingressNamedPorts) {}

        private record GroupKey(Object selecting, List<NamedPort> ingressNamedPorts) {}

        /** @param namedPorts per destination identity; identities without named ports may be absent */
        Batch(SelectorCache cache, Map<Long, List<NamedPort>> namedPorts) {
            this.cache = cache;
            this.namedPorts = namedPorts;
        }

        /**
         * One subject's entries from the policies that select it, peers resolved through the cache (which
         * holds every peer selector of {@code selecting}).
         *
         * @param selectingKey equal for equal {@code selecting} lists within this batch
         */
        SubjectPolicy compile(long subject, List<? extends Policy> selecting, Object selectingKey) {
            List<Normalised> its = new ArrayList<>(selecting.size());
            boolean ingressNamed = false;
            for (Policy p : selecting) {
                Normalised n = normalised.computeIfAbsent(
                        p,
                        x -> new Normalised(
                                x,
                                x.rules(),
                                x.rules().stream()
                                        .anyMatch(r -> r.direction() == Direction.INGRESS
                                                && r.ports().stream()
                                                        .anyMatch(
                                                                port -> port.port() instanceof PortRule.Port.Named))));
                its.add(n);
                ingressNamed |= n.ingressNamedPorts();
            }
            GroupKey key =
                    new GroupKey(selectingKey, ingressNamed ? namedPorts.getOrDefault(subject, List.of()) : null);
            SubjectPolicy group = groups.get(key);
            if (group == null) {
                group = compileSubject(subject, its, cache, namedPorts);
                groups.put(key, group);
                return group;
            }
            return group.subject() == subject ? group : new SubjectPolicy(subject, group.enforcedBy(), group.entries());
        }
    }

    private SubjectPolicy compileSubject(
            long subject,
            List<Batch.Normalised> selecting,
            SelectorCache cache,
            Map<Long, List<NamedPort>> namedPorts) {
        Map<Direction, SortedSet<PolicyRef>> enforcedBy = new EnumMap<>(Direction.class);
        Map<PolicyMapKey, Owners> keys = new HashMap<>();
        for (Batch.Normalised n : selecting) {
            Policy policy = n.policy();
            for (Direction d : policy.enforcedDirections()) {
                enforcedBy.computeIfAbsent(d, x -> new TreeSet<>()).add(policy.ref());
            }
            for (Rule rule : n.rules()) {
                for (long peer : peers(rule.peers(), cache)) {
                    long destination = rule.direction() == Direction.INGRESS ? subject : peer;
                    for (PolicyMapKey key : keys(rule, peer, destination, namedPorts)) {
                        Owners o = keys.computeIfAbsent(key, k -> new Owners());
                        o.add(rule.deny(), policy.ref());
                    }
                }
            }
        }
        for (Direction d : Direction.values()) {
            if (!enforcedBy.containsKey(d)) {
                keys.computeIfAbsent(PolicyMapKey.anyProtocol(0, d), k -> new Owners());
            }
        }
        if (enforcedBy.containsKey(Direction.INGRESS)) {
            // allow-localhost: the node reaches its pods (kubelet probes) whatever the ingress policy says,
            // unless a deny covers the host; owned by no policy.
            keys.computeIfAbsent(PolicyMapKey.anyProtocol(Identity.HOST, Direction.INGRESS), k -> new Owners());
        }
        // Deny keys by identity: only a deny of the same identity or of identity 0 can cover an allow.
        Map<Long, List<PolicyMapKey>> denies = new HashMap<>();
        keys.forEach((key, owners) -> {
            if (owners.deny != null) {
                denies.computeIfAbsent(key.identity(), k -> new ArrayList<>()).add(key);
            }
        });
        TreeMap<PolicyMapKey, PolicyEntry> entries = new TreeMap<>(KEY_ORDER);
        keys.forEach((key, owners) -> {
            if (owners.deny != null) {
                entries.put(key, new PolicyEntry(key, PolicyMapValue.deny(key), owners.deny));
            } else if (denies.isEmpty()
                    || !(coveredBy(denies.get(key.identity()), key) || coveredBy(denies.get(0L), key))) {
                entries.put(key, new PolicyEntry(key, PolicyMapValue.allow(key), owners.allow()));
            }
        });
        return new SubjectPolicy(subject, enforcedBy, new FrozenEntries(entries));
    }

    /** Ingress before egress, then identity, protocol, port and prefix, like {@code cilium bpf policy get}. */
    public static final Comparator<PolicyMapKey> KEY_ORDER = PolicyCompiler::compareKeys;

    private static int compareKeys(PolicyMapKey a, PolicyMapKey b) {
        int c = a.direction().compareTo(b.direction());
        if (c == 0) {
            c = Long.compare(a.identity(), b.identity());
        }
        if (c == 0) {
            c = Integer.compare(a.protocol(), b.protocol());
        }
        if (c == 0) {
            c = Integer.compare(a.port(), b.port());
        }
        return c != 0 ? c : Integer.compare(a.l4PrefixLength(), b.l4PrefixLength());
    }

    /** The policies behind one key; sets made on first use (most keys have one policy, one kind). */
    private static final class Owners {
        private static final SortedSet<PolicyRef> NONE = java.util.Collections.emptySortedSet();
        SortedSet<PolicyRef> allow;
        SortedSet<PolicyRef> deny;

        void add(boolean isDeny, PolicyRef ref) {
            if (isDeny) {
                deny = deny == null ? new TreeSet<>() : deny;
                deny.add(ref);
            } else {
                allow = allow == null ? new TreeSet<>() : allow;
                allow.add(ref);
            }
        }

        SortedSet<PolicyRef> allow() {
            return allow == null ? NONE : allow;
        }
    }

    private static boolean coveredBy(List<PolicyMapKey> denies, PolicyMapKey allow) {
        if (denies == null) {
            return false;
        }
        for (PolicyMapKey d : denies) {
            if (covers(d, allow)) {
                return true;
            }
        }
        return false;
    }

    private static boolean covers(PolicyMapKey deny, PolicyMapKey allow) {
        if (deny.direction() != allow.direction()
                || (deny.identity() != 0 && deny.identity() != allow.identity())
                || deny.l4PrefixLength() > allow.l4PrefixLength()) {
            return false;
        }
        return allow.maskedTo(deny.l4PrefixLength())
                .withIdentity(deny.identity())
                .equals(deny);
    }

    private static Collection<Long> peers(Rule.Peers peers, SelectorCache cache) {
        return switch (peers) {
            case Rule.Peers.All all -> List.of(0L);
            case Rule.Peers.Selected s -> {
                if (s.peers().size() == 1) {
                    yield cache.selected(s.peers().getFirst());
                }
                Set<Long> out = new LinkedHashSet<>();
                for (Peer p : s.peers()) {
                    out.addAll(cache.selected(p));
                }
                yield out;
            }
        };
    }

    private List<PolicyMapKey> keys(Rule rule, long peer, long destination, Map<Long, List<NamedPort>> namedPorts) {
        Direction d = rule.direction();
        if (rule.ports().isEmpty()) {
            return List.of(PolicyMapKey.anyProtocol(peer, d));
        }
        List<PolicyMapKey> out = new ArrayList<>();
        for (PortRule p : rule.ports()) {
            List<Protocol> protocols = p.protocol() == Protocol.ANY ? CONCRETE : List.of(p.protocol());
            switch (p.port()) {
                case PortRule.Port.Any any ->
                    out.add(
                            p.protocol() == Protocol.ANY
                                    ? PolicyMapKey.anyProtocol(peer, d)
                                    : PolicyMapKey.anyPort(peer, d, p.protocol().number()));
                case PortRule.Port.Number n ->
                    protocols.forEach(proto -> out.addAll(PolicyMapKey.portRange(
                            peer, d, proto.number(), n.value(), p.endPort() == 0 ? n.value() : p.endPort())));
                case PortRule.Port.Named named -> {
                    Collection<List<NamedPort>> candidates = destination == 0
                            ? namedPorts.values()
                            : List.of(namedPorts.getOrDefault(destination, List.of()));
                    candidates.stream()
                            .flatMap(List::stream)
                            .filter(np -> np.name().equals(named.name()) && protocols.contains(np.protocol()))
                            .forEach(np -> out.add(
                                    PolicyMapKey.of(peer, d, np.protocol().number(), np.port())));
                }
            }
        }
        return out;
    }
}
