package dev.tendril.policy.domain;

import dev.tendril.k8s.labels.Label;
import dev.tendril.k8s.labels.LabelSelector;
import dev.tendril.net.IpAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Cilium's SelectorCache: each distinct selector of the applied policies (a subject selector or a rule's
 * peer, keyed on its {@link Peer} value) is held once with the identities it selects and the policies that
 * use it. An identity that appears, changes its labels or goes is matched only against the selectors that
 * could select it, and the cache answers with one {@link SelectionChange} per selector whose selection
 * changed.
 *
 * <p>Which selectors could select an identity: a label selector with an In requirement is indexed under
 * that requirement's {@code key=value} pairs (the pod namespace when the selector names one, as every
 * namespaced policy's subject and podSelector peer do), so an identity is matched only against the
 * selectors indexed under one of its own labels, plus the few selectors without an In requirement;
 * CIDR selectors are matched only against CIDR and world identities, and ipBlock selectors also against
 * identities with endpoint addresses; entity selectors always.
 *
 * <p>An ipBlock selects a pod identity when it has endpoints and each of them has an address in the block
 * (outside its exceptions): an identity is shared by every pod with the same labels, so selecting it for
 * one covered pod would also allow its pods outside the block (docs/policy.md, "ipBlock and pods").
 *
 * <p>The cache also keeps, per identity, the policies whose subject selector selects it.
 *
 * <p>Not thread-safe.
 *
 * <p>Longer than 400 lines: one cohesive algorithm, the selector index and its incremental matching.
 */
final class SelectorCache {

    /** How a policy uses a selector. */
    enum Role {
        SUBJECT,
        PEER
    }

    /** One selector's selection changed: these identities joined it, these left. */
    record SelectionChange(Peer selector, Set<Long> added, Set<Long> removed) {}

    /** A label {@code key=value}, ignoring the source: the index key (the full match checks the source). */
    private record KeyValue(String key, String value) {}

    /** One cached selector. */
    static final class Entry {
        private final Peer peer;
        private final List<KeyValue> index;
        private final Set<Long> selected = new HashSet<>();
        private final Set<PolicyRef> subjectUsers = new HashSet<>();
        private final Set<PolicyRef> peerUsers = new HashSet<>();

        private Entry(Peer peer, List<KeyValue> index) {
            this.peer = peer;
            this.index = index;
        }

        Peer peer() {
            return peer;
        }

        Set<Long> selected() {
            return Collections.unmodifiableSet(selected);
        }

        /** Policies using this selector as their subject selector. */
        Set<PolicyRef> subjectUsers() {
            return Collections.unmodifiableSet(subjectUsers);
        }

        /** Policies using this selector as a rule's peer. */
        Set<PolicyRef> peerUsers() {
            return Collections.unmodifiableSet(peerUsers);
        }

        SortedSet<PolicyRef> users() {
            SortedSet<PolicyRef> out = new TreeSet<>(subjectUsers);
            out.addAll(peerUsers);
            return out;
        }
    }

    private final String clusterName;
    private final Map<Peer, Entry> entries = new HashMap<>();
    private final Map<KeyValue, Set<Entry>> selectorsByLabel = new HashMap<>();
    private final Set<Entry> unindexedLabelSelectors = new LinkedHashSet<>();
    private final Set<Entry> cidrSelectors = new LinkedHashSet<>();
    private final Set<Entry> entitySelectors = new LinkedHashSet<>();
    private final Map<Long, Identity> identities = new HashMap<>();
    private final Map<Long, List<Set<IpAddress>>> endpointAddresses = new HashMap<>();
    private final Map<KeyValue, Set<Long>> identitiesByLabel = new HashMap<>();
    private final Map<Long, Set<PolicyRef>> policiesSelecting = new HashMap<>();
    private long selectorEvaluations;
    private long identityMatches;

    SelectorCache(String clusterName) {
        this.clusterName = clusterName;
    }

    /** The selector every policy's subject selector is cached under. */
    static Peer subjectSelector(Policy policy) {
        return new Peer.Endpoints(policy.subject());
    }

    /** The distinct peers of a policy's rules. */
    static Set<Peer> peerSelectors(Policy policy) {
        Set<Peer> out = new LinkedHashSet<>();
        for (Rule r : policy.rules()) {
            if (r.peers() instanceof Rule.Peers.Selected s) {
                out.addAll(s.peers());
            }
        }
        return out;
    }

    /** Adds a policy's subject and peer selectors (its selections are evaluated for new selectors only). */
    void addPolicy(Policy policy) {
        addUser(subjectSelector(policy), policy.ref(), Role.SUBJECT);
        for (Peer p : peerSelectors(policy)) {
            addUser(p, policy.ref(), Role.PEER);
        }
    }

    /** Removes a policy's uses; selectors left without users are dropped. */
    void removePolicy(Policy policy) {
        removeUser(subjectSelector(policy), policy.ref(), Role.SUBJECT);
        for (Peer p : peerSelectors(policy)) {
            removeUser(p, policy.ref(), Role.PEER);
        }
    }

    void addUser(Peer peer, PolicyRef user, Role role) {
        Entry e = entries.get(peer);
        if (e == null) {
            e = newEntry(peer);
        }
        if (role == Role.SUBJECT) {
            if (e.subjectUsers.add(user)) {
                for (long id : e.selected) {
                    policiesSelecting.computeIfAbsent(id, k -> new HashSet<>()).add(user);
                }
            }
        } else {
            e.peerUsers.add(user);
        }
    }

    void removeUser(Peer peer, PolicyRef user, Role role) {
        Entry e = entries.get(peer);
        if (e == null) {
            return;
        }
        if (role == Role.SUBJECT) {
            if (e.subjectUsers.remove(user)) {
                for (long id : e.selected) {
                    Set<PolicyRef> refs = policiesSelecting.get(id);
                    if (refs != null) {
                        refs.remove(user);
                        if (refs.isEmpty()) {
                            policiesSelecting.remove(id);
                        }
                    }
                }
            }
        } else {
            e.peerUsers.remove(user);
        }
        if (e.subjectUsers.isEmpty() && e.peerUsers.isEmpty()) {
            dropEntry(e);
        }
    }

    /** Adds an identity or replaces its labels; the selectors whose selection changed. */
    List<SelectionChange> upsertIdentity(Identity identity) {
        Identity previous = identities.put(identity.id(), identity);
        if (previous != null) {
            unindexIdentity(previous);
        }
        indexIdentity(identity);
        Set<Entry> candidates = candidates(identity);
        if (previous != null) {
            candidates.addAll(candidates(previous));
        }
        List<SelectionChange> out = new ArrayList<>();
        for (Entry e : candidates) {
            boolean was = e.selected.contains(identity.id());
            identityMatches++;
            boolean is = matches(e.peer, identity);
            if (was != is) {
                out.add(select(e, identity.id(), is));
            }
        }
        return out;
    }

    /**
     * Sets the addresses of an identity's endpoints, one set per endpoint (none: the identity has no
     * endpoint); the ipBlock selectors whose selection changed.
     */
    List<SelectionChange> setEndpointAddresses(long id, List<Set<IpAddress>> perEndpoint) {
        List<Set<IpAddress>> copy = perEndpoint.stream().map(Set::copyOf).toList();
        List<Set<IpAddress>> previous = copy.isEmpty() ? endpointAddresses.remove(id) : endpointAddresses.put(id, copy);
        Identity identity = identities.get(id);
        if (identity == null || copy.equals(previous == null ? List.of() : previous)) {
            return List.of();
        }
        List<SelectionChange> out = new ArrayList<>();
        for (Entry e : cidrSelectors) {
            if (e.peer instanceof Peer.IpBlock) {
                identityMatches++;
                boolean was = e.selected.contains(id);
                boolean is = matches(e.peer, identity);
                if (was != is) {
                    out.add(select(e, id, is));
                }
            }
        }
        return out;
    }

    /** Forgets an identity; the selectors that no longer select it. */
    List<SelectionChange> removeIdentity(long id) {
        Identity previous = identities.remove(id);
        if (previous == null) {
            return List.of();
        }
        unindexIdentity(previous);
        List<SelectionChange> out = new ArrayList<>();
        for (Entry e : candidates(previous)) {
            if (e.selected.contains(id)) {
                out.add(select(e, id, false));
            }
        }
        policiesSelecting.remove(id);
        return out;
    }

    /** What a cached selector selects; empty for a selector not cached. */
    Set<Long> selected(Peer peer) {
        Entry e = entries.get(peer);
        return e == null ? Set.of() : e.selected();
    }

    Entry entry(Peer peer) {
        return entries.get(peer);
    }

    Collection<Entry> entries() {
        return Collections.unmodifiableCollection(entries.values());
    }

    /** The policies whose subject selector selects {@code identity}. */
    Set<PolicyRef> policiesSelecting(long identity) {
        Set<PolicyRef> refs = policiesSelecting.get(identity);
        return refs == null ? Set.of() : Collections.unmodifiableSet(refs);
    }

    boolean knows(long identity) {
        return identities.containsKey(identity);
    }

    /** How many times a new selector was evaluated against the identities (once per distinct selector). */
    long selectorEvaluations() {
        return selectorEvaluations;
    }

    /** How many (selector, identity) matches identity updates cost. */
    long identityMatches() {
        return identityMatches;
    }

    private boolean matches(Peer peer, Identity identity) {
        if (peer.selects(identity, clusterName)) {
            return true;
        }
        if (!(peer instanceof Peer.IpBlock block)) {
            return false;
        }
        List<Set<IpAddress>> endpoints = endpointAddresses.get(identity.id());
        return endpoints != null
                && !endpoints.isEmpty()
                && !identity.cidr().isPresent()
                && endpoints.stream().allMatch(addresses -> addresses.stream().anyMatch(block.set()::contains));
    }

    private SelectionChange select(Entry e, long id, boolean selected) {
        if (selected) {
            e.selected.add(id);
            for (PolicyRef ref : e.subjectUsers) {
                policiesSelecting.computeIfAbsent(id, k -> new HashSet<>()).add(ref);
            }
            return new SelectionChange(e.peer, Set.of(id), Set.of());
        }
        e.selected.remove(id);
        Set<PolicyRef> refs = policiesSelecting.get(id);
        if (refs != null) {
            refs.removeAll(e.subjectUsers);
            if (refs.isEmpty()) {
                policiesSelecting.remove(id);
            }
        }
        return new SelectionChange(e.peer, Set.of(), Set.of(id));
    }

    private Entry newEntry(Peer peer) {
        List<KeyValue> index = indexOf(peer);
        Entry e = new Entry(peer, index);
        entries.put(peer, e);
        switch (peer) {
            case Peer.Endpoints ep -> {
                if (index.isEmpty()) {
                    unindexedLabelSelectors.add(e);
                } else {
                    index.forEach(kv -> selectorsByLabel
                            .computeIfAbsent(kv, k -> new LinkedHashSet<>())
                            .add(e));
                }
            }
            case Peer.Cidrs c -> cidrSelectors.add(e);
            case Peer.IpBlock b -> cidrSelectors.add(e);
            case Peer.Entities en -> entitySelectors.add(e);
        }
        selectorEvaluations++;
        Collection<Long> scan;
        if (index.isEmpty()) {
            scan = identities.keySet();
        } else {
            Set<Long> ids = new HashSet<>();
            index.forEach(kv -> ids.addAll(identitiesByLabel.getOrDefault(kv, Set.of())));
            scan = ids;
        }
        for (long id : scan) {
            if (matches(peer, identities.get(id))) {
                e.selected.add(id);
            }
        }
        return e;
    }

    private void dropEntry(Entry e) {
        entries.remove(e.peer);
        unindexedLabelSelectors.remove(e);
        cidrSelectors.remove(e);
        entitySelectors.remove(e);
        for (KeyValue kv : e.index) {
            Set<Entry> set = selectorsByLabel.get(kv);
            if (set != null) {
                set.remove(e);
                if (set.isEmpty()) {
                    selectorsByLabel.remove(kv);
                }
            }
        }
    }

    /**
     * The {@code key=value} pairs a selector is indexed under: those of one In requirement (every identity it
     * selects has one of them), preferring the pod namespace; none when it has no In requirement.
     */
    private static List<KeyValue> indexOf(Peer peer) {
        if (!(peer instanceof Peer.Endpoints ep)) {
            return List.of();
        }
        LabelSelector.Requirement chosen = null;
        for (LabelSelector.Requirement r : ep.selector().requirements()) {
            if (r.operator() != LabelSelector.Operator.IN) {
                continue;
            }
            if (r.key().equals(Label.NAMESPACE_KEY)) {
                chosen = r;
                break;
            }
            if (chosen == null || r.values().size() < chosen.values().size()) {
                chosen = r;
            }
        }
        if (chosen == null) {
            return List.of();
        }
        String key = chosen.key();
        return chosen.values().stream().map(v -> new KeyValue(key, v)).toList();
    }

    private Set<Entry> candidates(Identity identity) {
        Set<Entry> out = new LinkedHashSet<>(entitySelectors);
        out.addAll(unindexedLabelSelectors);
        for (Label l : identity.labels()) {
            Set<Entry> indexed = selectorsByLabel.get(new KeyValue(l.key(), l.value()));
            if (indexed != null) {
                out.addAll(indexed);
            }
        }
        if (!cidrSelectors.isEmpty()
                && (identity.hasReserved("world")
                        || identity.hasReserved("world-ipv4")
                        || identity.hasReserved("world-ipv6")
                        || identity.cidr().isPresent()
                        || endpointAddresses.containsKey(identity.id()))) {
            out.addAll(cidrSelectors);
        }
        return out;
    }

    private void indexIdentity(Identity identity) {
        for (Label l : identity.labels()) {
            identitiesByLabel
                    .computeIfAbsent(new KeyValue(l.key(), l.value()), k -> new HashSet<>())
                    .add(identity.id());
        }
    }

    private void unindexIdentity(Identity identity) {
        for (Label l : identity.labels()) {
            KeyValue kv = new KeyValue(l.key(), l.value());
            Set<Long> ids = identitiesByLabel.get(kv);
            if (ids != null) {
                ids.remove(identity.id());
                if (ids.isEmpty()) {
                    identitiesByLabel.remove(kv);
                }
            }
        }
    }
}
