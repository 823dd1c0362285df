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
import java.util.SortedMap;
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
 * a policy map and no namespaced policy selects them, so they get the two allow-all entries. Traffic from
 * a pod to itself, host and health exemptions and map-size limits are not handled here.
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
    public Map<Long, SubjectPolicy> compile(Collection<? extends Policy> policies, Collection<Identity> identities,
                                            Map<Long, List<NamedPort>> namedPorts) {
        return compile(policies, identities, namedPorts, identities);
    }

    /**
     * The entries of the given subjects, with peers selected among all {@code identities}.
     *
     * @param namedPorts per destination identity; identities without named ports may be absent
     */
    public Map<Long, SubjectPolicy> compile(Collection<? extends Policy> policies, Collection<Identity> identities,
                                            Map<Long, List<NamedPort>> namedPorts, Collection<Identity> subjects) {
        Map<Long, SubjectPolicy> out = new TreeMap<>();
        // Each distinct peer is matched against the identities once per compilation, not once per subject.
        Map<Peer, List<Long>> selected = new HashMap<>();
        for (Identity subject : subjects) {
            out.put(subject.id(), compileSubject(subject, policies, identities, namedPorts, selected));
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    private SubjectPolicy compileSubject(Identity subject, Collection<? extends Policy> policies,
                                         Collection<Identity> identities, Map<Long, List<NamedPort>> namedPorts,
                                         Map<Peer, List<Long>> selectedCache) {
        Map<Direction, SortedSet<PolicyRef>> enforcedBy = new EnumMap<>(Direction.class);
        Map<PolicyMapKey, Owners> keys = new HashMap<>();
        for (Policy policy : policies) {
            if (!policy.subject().matches(subject)) {
                continue;
            }
            for (Direction d : policy.enforcedDirections()) {
                enforcedBy.computeIfAbsent(d, x -> new TreeSet<>()).add(policy.ref());
            }
            for (Rule rule : policy.rules()) {
                for (long peer : peers(rule.peers(), identities, selectedCache)) {
                    long destination = rule.direction() == Direction.INGRESS ? subject.id() : peer;
                    for (PolicyMapKey key : keys(rule, peer, destination, namedPorts)) {
                        Owners o = keys.computeIfAbsent(key, k -> new Owners());
                        (rule.deny() ? o.deny : o.allow).add(policy.ref());
                    }
                }
            }
        }
        for (Direction d : Direction.values()) {
            if (!enforcedBy.containsKey(d)) {
                keys.computeIfAbsent(PolicyMapKey.anyProtocol(0, d), k -> new Owners());
            }
        }
        List<PolicyMapKey> denies = keys.entrySet().stream().filter(e -> !e.getValue().deny.isEmpty())
                .map(Map.Entry::getKey).toList();
        SortedMap<PolicyMapKey, PolicyEntry> entries = new TreeMap<>(KEY_ORDER);
        keys.forEach((key, owners) -> {
            if (!owners.deny.isEmpty()) {
                entries.put(key, new PolicyEntry(key, PolicyMapValue.deny(key), owners.deny));
            } else if (denies.stream().noneMatch(d -> covers(d, key))) {
                entries.put(key, new PolicyEntry(key, PolicyMapValue.allow(key), owners.allow));
            }
        });
        return new SubjectPolicy(subject.id(), enforcedBy, entries);
    }

    /** Ingress before egress, then identity, protocol, port and prefix, like {@code cilium bpf policy get}. */
    public static final Comparator<PolicyMapKey> KEY_ORDER = Comparator.comparing(PolicyMapKey::direction)
            .thenComparingLong(PolicyMapKey::identity).thenComparingInt(PolicyMapKey::protocol)
            .thenComparingInt(PolicyMapKey::port).thenComparingInt(PolicyMapKey::l4PrefixLength);

    private static final class Owners {
        final SortedSet<PolicyRef> allow = new TreeSet<>();
        final SortedSet<PolicyRef> deny = new TreeSet<>();
    }

    private static boolean covers(PolicyMapKey deny, PolicyMapKey allow) {
        if (deny.direction() != allow.direction() || (deny.identity() != 0 && deny.identity() != allow.identity())
                || deny.l4PrefixLength() > allow.l4PrefixLength()) {
            return false;
        }
        return allow.maskedTo(deny.l4PrefixLength()).withIdentity(deny.identity()).equals(deny);
    }

    private Set<Long> peers(Rule.Peers peers, Collection<Identity> identities, Map<Peer, List<Long>> cache) {
        return switch (peers) {
            case Rule.Peers.All all -> Set.of(0L);
            case Rule.Peers.Selected s -> {
                Set<Long> out = new LinkedHashSet<>();
                for (Peer p : s.peers()) {
                    out.addAll(cache.computeIfAbsent(p, x -> identities.stream()
                            .filter(i -> x.selects(i, clusterName)).map(Identity::id).toList()));
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
                case PortRule.Port.Any any -> out.add(p.protocol() == Protocol.ANY
                        ? PolicyMapKey.anyProtocol(peer, d) : PolicyMapKey.anyPort(peer, d, p.protocol().number()));
                case PortRule.Port.Number n -> protocols.forEach(proto -> out.addAll(
                        PolicyMapKey.portRange(peer, d, proto.number(), n.value(), p.endPort() == 0 ? n.value() : p.endPort())));
                case PortRule.Port.Named named -> {
                    Collection<List<NamedPort>> candidates = destination == 0
                            ? namedPorts.values() : List.of(namedPorts.getOrDefault(destination, List.of()));
                    candidates.stream().flatMap(List::stream)
                            .filter(np -> np.name().equals(named.name()) && protocols.contains(np.protocol()))
                            .forEach(np -> out.add(PolicyMapKey.of(peer, d, np.protocol().number(), np.port())));
                }
            }
        }
        return out;
    }
}
