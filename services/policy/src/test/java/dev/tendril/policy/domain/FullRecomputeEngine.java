package dev.tendril.policy.domain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The reference model for {@link PolicyEngine}: the same state, but every mutation compiles every subject
 * from scratch and diffs against the published maps, with the same overflow rules. Slow and obviously right.
 */
final class FullRecomputeEngine {

    private final PolicyCompiler compiler;
    private final int maxEntries;
    final Map<PolicyRef, Policy> policies = new TreeMap<>();
    final Map<Long, Identity> identities = new TreeMap<>();
    final Map<Long, List<NamedPort>> namedPorts = new HashMap<>();
    Map<Long, SubjectPolicy> subjects = Map.of();
    final Map<Long, PolicyEngine.Overflow> overflowing = new TreeMap<>();

    FullRecomputeEngine(String clusterName, int maxEntries) {
        this.compiler = new PolicyCompiler(clusterName);
        this.maxEntries = maxEntries;
        PolicyEngine.RESERVED.forEach(i -> identities.put(i.id(), i));
        recompute();
    }

    PolicyEngine.Changes apply(List<? extends Policy> applied) {
        applied.forEach(p -> policies.put(p.ref(), p));
        return recompute();
    }

    PolicyEngine.Changes delete(PolicyRef ref) {
        return policies.remove(ref) == null ? PolicyEngine.Changes.NONE : recompute();
    }

    PolicyEngine.Changes upsertIdentity(Identity identity) {
        return identity.equals(identities.put(identity.id(), identity)) ? PolicyEngine.Changes.NONE : recompute();
    }

    PolicyEngine.Changes removeIdentity(long id) {
        if (PolicyEngine.RESERVED.stream().anyMatch(r -> r.id() == id) || identities.remove(id) == null) {
            return PolicyEngine.Changes.NONE;
        }
        namedPorts.remove(id);
        return recompute();
    }

    PolicyEngine.Changes setNamedPorts(long identity, List<NamedPort> ports) {
        List<NamedPort> previous =
                ports.isEmpty() ? namedPorts.remove(identity) : namedPorts.put(identity, List.copyOf(ports));
        return (previous == null ? List.of() : previous).equals(ports) ? PolicyEngine.Changes.NONE : recompute();
    }

    Map<Long, SubjectPolicy> fullCompile() {
        List<Identity> subjectIdentities =
                identities.values().stream().filter(PolicyEngine::isSubject).toList();
        return compiler.compile(policies.values(), identities.values(), namedPorts, subjectIdentities);
    }

    private PolicyEngine.Changes recompute() {
        Map<Long, SubjectPolicy> next = new TreeMap<>(fullCompile());
        Map<Long, SubjectPolicy> changed = new TreeMap<>();
        List<PolicyEngine.Overflow> overflows = new ArrayList<>();
        Map<Long, PolicyEngine.Overflow> stillOverflowing = new TreeMap<>();
        for (Map.Entry<Long, SubjectPolicy> e : next.entrySet()) {
            SubjectPolicy sp = e.getValue();
            if (sp.entries().size() > maxEntries) {
                SortedSet<PolicyRef> refs = new TreeSet<>();
                sp.entries().values().forEach(pe -> refs.addAll(pe.policies()));
                PolicyEngine.Overflow o =
                        new PolicyEngine.Overflow(e.getKey(), sp.entries().size(), maxEntries, refs);
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
        subjects = next;
        return new PolicyEngine.Changes(changed, removed, overflows);
    }
}
