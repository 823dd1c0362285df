package dev.tendril.policy.domain;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The policy service's in-memory state: the applied policies, the known identities and their named
 * ports, and the computed policy map of every subject. Each mutation returns the {@link Changes} to
 * publish: the subjects whose computed content changed, the subjects that are gone, and the subjects
 * that would overflow their policy map.
 *
 * <p>The reserved identities 1..8 are known from the start (the identity service never publishes them).
 * Subjects are every known identity except world and CIDR identities, which never own an endpoint.
 *
 * <p>Not thread-safe: the service serialises mutations.
 */
public final class PolicyEngine {

    /** Reserved identities every cluster has, with their {@code reserved:} label. */
    public static final List<Identity> RESERVED = List.of(
            Identity.reserved(Identity.HOST, "host"),
            Identity.reserved(Identity.WORLD, "world"),
            Identity.reserved(Identity.UNMANAGED, "unmanaged"),
            Identity.reserved(Identity.HEALTH, "health"),
            Identity.reserved(Identity.INIT, "init"),
            Identity.reserved(Identity.REMOTE_NODE, "remote-node"),
            Identity.reserved(Identity.KUBE_APISERVER, "kube-apiserver"),
            Identity.reserved(Identity.INGRESS, "ingress"));

    /** The result of a mutation. */
    public record Changes(Map<Long, SubjectPolicy> changed, Set<Long> removed, List<Overflow> overflows) {
        public Changes {
            changed = java.util.Collections.unmodifiableMap(new TreeMap<>(changed));
            removed = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(removed));
            overflows = List.copyOf(overflows);
        }

        public static final Changes NONE = new Changes(Map.of(), Set.of(), List.of());

        public boolean isEmpty() {
            return changed.isEmpty() && removed.isEmpty() && overflows.isEmpty();
        }
    }

    /**
     * A subject whose computed map needs more entries than the map holds: it is not published (the agents
     * keep enforcing its previous content) until a change brings it back under the limit.
     */
    public record Overflow(long subject, int entries, int maxEntries, SortedSet<PolicyRef> policies) {
    }

    /** One distinct selector of the applied policies: what it selects and which policies use it. */
    public record SelectorView(String selector, SortedSet<Long> selected, SortedSet<PolicyRef> users) {
    }

    private final PolicyCompiler compiler;
    private final int maxEntries;
    private final Map<PolicyRef, Policy> policies = new TreeMap<>();
    private final Map<Long, Identity> identities = new TreeMap<>();
    private final Map<Long, List<NamedPort>> namedPorts = new HashMap<>();
    private Map<Long, SubjectPolicy> subjects = Map.of();
    private final Map<Long, Overflow> overflowing = new TreeMap<>();

    /**
     * @param clusterName the local cluster, for the {@code cluster} entity
     * @param maxEntries the policy map size; a subject needing more is an {@link Overflow}
     */
    public PolicyEngine(String clusterName, int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be positive, got " + maxEntries);
        }
        this.compiler = new PolicyCompiler(clusterName);
        this.maxEntries = maxEntries;
        RESERVED.forEach(i -> identities.put(i.id(), i));
        subjects = compileAll();
    }

    /** Adds or replaces policies (by {@link Policy#ref()}). */
    public Changes apply(Collection<? extends Policy> applied) {
        applied.forEach(p -> policies.put(p.ref(), p));
        return recompute();
    }

    /** Removes a policy; unknown refs change nothing. */
    public Changes delete(PolicyRef ref) {
        return policies.remove(ref) == null ? Changes.NONE : recompute();
    }

    /** Adds an identity or replaces its labels. */
    public Changes upsertIdentity(Identity identity) {
        if (identity.equals(identities.put(identity.id(), identity))) {
            return Changes.NONE;
        }
        return recompute();
    }

    /** Forgets an identity (released by the identity service); reserved identities stay. */
    public Changes removeIdentity(long id) {
        if (RESERVED.stream().anyMatch(r -> r.id() == id) || identities.remove(id) == null) {
            return Changes.NONE;
        }
        namedPorts.remove(id);
        return recompute();
    }

    /** The named ports of an identity's endpoints (their union); an empty list forgets them. */
    public Changes setNamedPorts(long identity, List<NamedPort> ports) {
        List<NamedPort> previous = ports.isEmpty() ? namedPorts.remove(identity) : namedPorts.put(identity, List.copyOf(ports));
        if (Objects.equals(previous == null ? List.of() : previous, ports)) {
            return Changes.NONE;
        }
        return recompute();
    }

    public Optional<SubjectPolicy> subject(long id) {
        return Optional.ofNullable(subjects.get(id));
    }

    /** Every published subject's map (overflowing subjects keep their last good content here). */
    public Map<Long, SubjectPolicy> subjects() {
        return subjects;
    }

    public Collection<Policy> policies() {
        return java.util.Collections.unmodifiableCollection(policies.values());
    }

    public Optional<Policy> policy(PolicyRef ref) {
        return Optional.ofNullable(policies.get(ref));
    }

    public Optional<Identity> identity(long id) {
        return Optional.ofNullable(identities.get(id));
    }

    public Collection<Identity> identities() {
        return java.util.Collections.unmodifiableCollection(identities.values());
    }

    public Map<Long, List<NamedPort>> namedPorts() {
        return java.util.Collections.unmodifiableMap(namedPorts);
    }

    public List<Overflow> overflows() {
        return List.copyOf(overflowing.values());
    }

    public int maxEntries() {
        return maxEntries;
    }

    public String clusterName() {
        return compiler.clusterName();
    }

    /** The distinct selectors of the applied policies, in selector order. */
    public List<SelectorView> selectors() {
        Map<String, SortedSet<PolicyRef>> users = new TreeMap<>();
        Map<String, Peer> bySelector = new LinkedHashMap<>();
        for (Policy p : policies.values()) {
            String subject = "endpoints" + p.subject();
            bySelector.putIfAbsent(subject, new Peer.Endpoints(p.subject()));
            users.computeIfAbsent(subject, k -> new TreeSet<>()).add(p.ref());
            for (Rule r : p.rules()) {
                if (r.peers() instanceof Rule.Peers.Selected s) {
                    for (Peer peer : s.peers()) {
                        bySelector.putIfAbsent(peer.toString(), peer);
                        users.computeIfAbsent(peer.toString(), k -> new TreeSet<>()).add(p.ref());
                    }
                }
            }
        }
        List<SelectorView> out = new ArrayList<>();
        users.forEach((selector, refs) -> {
            Peer peer = bySelector.get(selector);
            SortedSet<Long> selected = new TreeSet<>();
            identities.values().stream().filter(i -> peer.selects(i, compiler.clusterName()))
                    .forEach(i -> selected.add(i.id()));
            out.add(new SelectorView(selector, selected, refs));
        });
        out.sort(Comparator.comparing(SelectorView::selector));
        return out;
    }

    /** Whether an identity owns endpoints and so a policy map: not world, not a CIDR identity. */
    public static boolean isSubject(Identity identity) {
        return !identity.hasReserved("world") && !identity.hasReserved("world-ipv4")
                && !identity.hasReserved("world-ipv6") && identity.cidr().isEmpty();
    }

    private Map<Long, SubjectPolicy> compileAll() {
        List<Identity> subjectsToCompile = identities.values().stream().filter(PolicyEngine::isSubject).toList();
        return compiler.compile(policies.values(), identities.values(), namedPorts, subjectsToCompile);
    }

    private Changes recompute() {
        Map<Long, SubjectPolicy> next = new TreeMap<>(compileAll());
        Map<Long, SubjectPolicy> changed = new TreeMap<>();
        List<Overflow> overflows = new ArrayList<>();
        Map<Long, Overflow> stillOverflowing = new TreeMap<>();
        for (Map.Entry<Long, SubjectPolicy> e : next.entrySet()) {
            SubjectPolicy sp = e.getValue();
            if (sp.entries().size() > maxEntries) {
                SortedSet<PolicyRef> refs = new TreeSet<>();
                sp.entries().values().forEach(pe -> refs.addAll(pe.policies()));
                Overflow o = new Overflow(e.getKey(), sp.entries().size(), maxEntries, refs);
                stillOverflowing.put(e.getKey(), o);
                if (!o.equals(overflowing.get(e.getKey()))) {
                    overflows.add(o);
                }
                SubjectPolicy previous = subjects.get(e.getKey());
                if (previous != null) {
                    e.setValue(previous);
                }
                continue;
            }
            if (!sp.equals(subjects.get(e.getKey()))) {
                changed.put(e.getKey(), sp);
            }
        }
        next.entrySet().removeIf(e -> e.getValue().entries().size() > maxEntries);
        Set<Long> removed = new TreeSet<>(subjects.keySet());
        removed.removeAll(next.keySet());
        removed.removeAll(stillOverflowing.keySet());
        overflowing.clear();
        overflowing.putAll(stillOverflowing);
        subjects = java.util.Collections.unmodifiableMap(next);
        return new Changes(changed, removed, overflows);
    }
}
