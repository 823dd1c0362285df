package dev.tendril.policy.domain;

import dev.tendril.datapath.policymap.Direction;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
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
 * Subjects are every known identity except world and CIDR identities, which never own an endpoint, and
 * the identities of ClusterMesh peers ({@link #upsertRemoteIdentity}): those are peers that selectors select
 * with Cilium's semantics (by their labels, {@code io.cilium.k8s.policy.cluster} among them), while their
 * own cluster enforces policy on their endpoints.
 *
 * <p>Longer than 400 lines: the one place where policies, identities and subjects meet; its parts (the
 * selector cache, the compiler) live apart already.
 *
 * <p>Incremental, as Cilium's SelectorCache: every distinct selector of the applied policies (subject
 * selectors and peers) is held once in a {@link SelectorCache} with what it selects and who uses it.
 * A mutation recompiles only the subjects it can affect, and the result always equals a full
 * {@link PolicyCompiler#compile} of the same state:
 * <ul>
 *   <li>apply/delete: the subjects the old or the new version of the policy selects;</li>
 *   <li>identity added, relabelled or removed: only that identity is matched against the selectors that
 *       could select it; recompiled are the identity itself and the subjects of every policy that uses a
 *       selector whose selection changed as a peer;</li>
 *   <li>named ports of an identity: the identity itself (ingress rules on named ports) and the subjects of
 *       policies whose egress rules on named ports reach it, through a peer selector or as every peer.</li>
 * </ul>
 * Recompiled subjects whose content did not change are not published.
 *
 * <p>The allow-localhost entry and the treatment of health are the compiler's ({@link PolicyCompiler}).
 * Traffic from a pod to itself is no concern of the policy maps: loopback inside a pod never reaches the
 * datapath.
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
    public record Overflow(long subject, int entries, int maxEntries, SortedSet<PolicyRef> policies) {}

    /** One distinct selector of the applied policies: what it selects and which policies use it. */
    public record SelectorView(String selector, SortedSet<Long> selected, SortedSet<PolicyRef> users) {}

    private final PolicyCompiler compiler;
    private final int maxEntries;
    private final Map<PolicyRef, Policy> policies = new TreeMap<>();
    /** The same policies for lookups on the hot path ({@link PolicyRef} orders by its string form). */
    private final Map<PolicyRef, Policy> byRef = new HashMap<>();

    private final Map<Long, Identity> identities = new TreeMap<>();
    /** The identities of ClusterMesh peers among {@link #identities}. */
    private final Set<Long> remote = new HashSet<>();

    private final Map<Long, List<NamedPort>> namedPorts = new HashMap<>();
    private final SelectorCache cache;
    /** Policies with an egress rule on a named port: their subjects depend on peers' named ports. */
    private final Map<PolicyRef, List<Rule>> egressNamedPortRules = new HashMap<>();

    private final Map<Long, SubjectPolicy> subjects = new TreeMap<>();
    private final Map<Long, SubjectPolicy> subjectsView = java.util.Collections.unmodifiableMap(subjects);
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
        this.cache = new SelectorCache(clusterName);
        this.maxEntries = maxEntries;
        Set<Long> dirty = new TreeSet<>();
        for (Identity i : RESERVED) {
            identities.put(i.id(), i);
            cache.upsertIdentity(i);
            dirty.add(i.id());
        }
        recompile(dirty);
    }

    /**
     * Adds or replaces policies (by {@link Policy#ref()}). Recompiles the subjects the old or new version
     * selects.
     */
    public Changes apply(Collection<? extends Policy> applied) {
        Set<Long> dirty = new TreeSet<>();
        for (Policy p : applied) {
            Policy previous = policies.put(p.ref(), p);
            byRef.put(p.ref(), p);
            if (p.equals(previous)) {
                continue;
            }
            if (previous != null) {
                dirty.addAll(cache.selected(SelectorCache.subjectSelector(previous)));
                forget(previous);
            }
            cache.addPolicy(p);
            List<Rule> named = p.rules().stream()
                    .filter(r -> r.direction() == Direction.EGRESS && hasNamedPort(r))
                    .toList();
            if (!named.isEmpty()) {
                egressNamedPortRules.put(p.ref(), named);
            }
            dirty.addAll(cache.selected(SelectorCache.subjectSelector(p)));
        }
        return recompile(dirty);
    }

    /** Removes a policy; unknown refs change nothing. */
    public Changes delete(PolicyRef ref) {
        Policy previous = policies.remove(ref);
        byRef.remove(ref);
        if (previous == null) {
            return Changes.NONE;
        }
        Set<Long> dirty = new TreeSet<>(cache.selected(SelectorCache.subjectSelector(previous)));
        forget(previous);
        return recompile(dirty);
    }

    /**
     * Adds an identity or replaces its labels. Only that identity is matched against the cached selectors;
     * recompiled are the identity itself and the subjects of the policies whose peers gained or lost it.
     */
    public Changes upsertIdentity(Identity identity) {
        return upsertIdentity(identity, false);
    }

    /**
     * Adds or replaces an identity of a ClusterMesh peer: selected by peers' selectors like any other, never
     * a subject here.
     */
    public Changes upsertRemoteIdentity(Identity identity) {
        return upsertIdentity(identity, true);
    }

    private Changes upsertIdentity(Identity identity, boolean fromPeer) {
        boolean wasRemote = fromPeer ? !remote.add(identity.id()) : remote.remove(identity.id());
        if (identity.equals(identities.put(identity.id(), identity)) && wasRemote == fromPeer) {
            return Changes.NONE;
        }
        Set<Long> dirty = new TreeSet<>();
        dirty.add(identity.id());
        selectionChanged(cache.upsertIdentity(identity), dirty);
        return recompile(dirty);
    }

    /** Forgets an identity (released by the identity service); reserved identities stay. */
    public Changes removeIdentity(long id) {
        if (RESERVED.stream().anyMatch(r -> r.id() == id) || identities.remove(id) == null) {
            return Changes.NONE;
        }
        remote.remove(id);
        Set<Long> dirty = new TreeSet<>();
        dirty.add(id);
        selectionChanged(cache.removeIdentity(id), dirty);
        if (namedPorts.remove(id) != null) {
            dirty.addAll(namedPortDependents(id));
        }
        return recompile(dirty);
    }

    /**
     * The addresses of an identity's endpoints, one set per endpoint (none when it has no endpoint left).
     * Recompiles the subjects of the policies whose ipBlock peers gained or lost the identity.
     */
    public Changes setEndpointAddresses(long identity, List<Set<dev.tendril.net.IpAddress>> perEndpoint) {
        Set<Long> dirty = new TreeSet<>();
        selectionChanged(cache.setEndpointAddresses(identity, perEndpoint), dirty);
        return recompile(dirty);
    }

    /**
     * The named ports of an identity's endpoints (their union); an empty list forgets them. Recompiles the
     * identity itself (ingress rules on named ports resolve against it) and the subjects whose egress rules
     * on named ports reach it, by a selector or as every peer.
     */
    public Changes setNamedPorts(long identity, List<NamedPort> ports) {
        List<NamedPort> previous =
                ports.isEmpty() ? namedPorts.remove(identity) : namedPorts.put(identity, List.copyOf(ports));
        if (Objects.equals(previous == null ? List.of() : previous, ports)) {
            return Changes.NONE;
        }
        Set<Long> dirty = new TreeSet<>(namedPortDependents(identity));
        dirty.add(identity);
        return recompile(dirty);
    }

    public Optional<SubjectPolicy> subject(long id) {
        return Optional.ofNullable(subjects.get(id));
    }

    /**
     * Every published subject's map (overflowing subjects keep their last good content here): a read-only
     * view that follows later mutations; copy it to keep a snapshot.
     */
    public Map<Long, SubjectPolicy> subjects() {
        return subjectsView;
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

    /** The distinct selectors of the applied policies, in selector order, from the selector cache. */
    public List<SelectorView> selectors() {
        List<SelectorView> out = new ArrayList<>();
        for (SelectorCache.Entry e : cache.entries()) {
            out.add(new SelectorView(e.peer().toString(), new TreeSet<>(e.selected()), e.users()));
        }
        out.sort(Comparator.comparing(SelectorView::selector));
        return out;
    }

    /** The subjects the policy {@code ref} selects, as the selector cache holds them. */
    public SortedSet<Long> selectedBy(PolicyRef ref) {
        Policy p = policies.get(ref);
        return p == null ? new TreeSet<>() : new TreeSet<>(cache.selected(SelectorCache.subjectSelector(p)));
    }

    SelectorCache selectorCache() {
        return cache;
    }

    /** Whether an identity is a ClusterMesh peer's ({@link #upsertRemoteIdentity}). */
    public boolean isRemote(long id) {
        return remote.contains(id);
    }

    /** Whether an identity owns endpoints of this cluster and so a policy map: a subject, not a peer's. */
    public boolean isLocalSubject(Identity identity) {
        return isSubject(identity) && !remote.contains(identity.id());
    }

    /** Whether an identity owns endpoints and so a policy map: not world, not a CIDR identity. */
    public static boolean isSubject(Identity identity) {
        return !identity.hasReserved("world")
                && !identity.hasReserved("world-ipv4")
                && !identity.hasReserved("world-ipv6")
                && identity.cidr().isEmpty();
    }

    private void forget(Policy previous) {
        cache.removePolicy(previous);
        egressNamedPortRules.remove(previous.ref());
    }

    private static boolean hasNamedPort(Rule r) {
        return r.ports().stream().anyMatch(p -> p.port() instanceof PortRule.Port.Named);
    }

    /** Marks the subjects whose subject selection or peers changed. */
    private void selectionChanged(List<SelectorCache.SelectionChange> changes, Set<Long> dirty) {
        for (SelectorCache.SelectionChange c : changes) {
            SelectorCache.Entry e = cache.entry(c.selector());
            dirty.addAll(c.added());
            dirty.addAll(c.removed());
            for (PolicyRef user : e.peerUsers()) {
                dirty.addAll(cache.selected(SelectorCache.subjectSelector(byRef.get(user))));
            }
        }
    }

    /** Subjects with egress rules on named ports toward {@code identity} (or every peer). */
    private Set<Long> namedPortDependents(long identity) {
        Set<Long> out = new TreeSet<>();
        egressNamedPortRules.forEach((ref, rules) -> {
            boolean reaches = rules.stream().anyMatch(r -> switch (r.peers()) {
                case Rule.Peers.All all -> true;
                case Rule.Peers.Selected s ->
                    s.peers().stream().anyMatch(p -> cache.selected(p).contains(identity));
            });
            if (reaches) {
                out.addAll(cache.selected(SelectorCache.subjectSelector(byRef.get(ref))));
            }
        });
        return out;
    }

    private SubjectPolicy compile(long subject, PolicyCompiler.Batch batch) {
        Set<PolicyRef> refs = Set.copyOf(cache.policiesSelecting(subject));
        List<Policy> selecting = new ArrayList<>(refs.size());
        for (PolicyRef ref : refs) {
            selecting.add(byRef.get(ref));
        }
        return batch.compile(subject, selecting, refs);
    }

    /**
     * {@code previous.equals(next)}, comparing each pair of entry maps once: subjects compiled together
     * share their entries, so a namespace's worth of subjects is usually one or a few comparisons.
     */
    private static boolean sameContent(
            SubjectPolicy previous, SubjectPolicy next, Map<Object, Map<Object, Boolean>> compared) {
        if (previous == null
                || previous.subject() != next.subject()
                || !previous.enforcedBy().equals(next.enforcedBy())) {
            return false;
        }
        return compared.computeIfAbsent(previous.entries(), k -> new java.util.IdentityHashMap<>())
                .computeIfAbsent(next.entries(), k -> previous.entries().equals(next.entries()));
    }

    /** Recompiles {@code dirty} and publishes what differs, with the overflow rules of {@link Overflow}. */
    private Changes recompile(Set<Long> dirty) {
        Map<Long, SubjectPolicy> changed = new TreeMap<>();
        Set<Long> removed = new TreeSet<>();
        List<Overflow> overflows = new ArrayList<>();
        PolicyCompiler.Batch batch = compiler.new Batch(cache, namedPorts);
        Map<Object, Map<Object, Boolean>> compared = new java.util.IdentityHashMap<>();
        for (long id : dirty) {
            Identity identity = identities.get(id);
            if (identity == null || !isLocalSubject(identity)) {
                overflowing.remove(id);
                if (subjects.remove(id) != null) {
                    removed.add(id);
                }
                continue;
            }
            SubjectPolicy sp = compile(id, batch);
            if (sp.entries().size() > maxEntries) {
                SortedSet<PolicyRef> refs = new TreeSet<>();
                sp.entries().values().forEach(pe -> refs.addAll(pe.policies()));
                Overflow o = new Overflow(id, sp.entries().size(), maxEntries, refs);
                if (!o.equals(overflowing.put(id, o))) {
                    overflows.add(o);
                }
                continue;
            }
            overflowing.remove(id);
            if (!sameContent(subjects.get(id), sp, compared)) {
                subjects.put(id, sp);
                changed.put(id, sp);
            }
        }
        return changed.isEmpty() && removed.isEmpty() && overflows.isEmpty()
                ? Changes.NONE
                : new Changes(changed, removed, overflows);
    }
}
