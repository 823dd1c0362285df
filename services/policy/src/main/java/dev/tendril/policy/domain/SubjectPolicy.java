package dev.tendril.policy.domain;

import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.PolicyMapKey;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;

/**
 * The computed policy map of one subject identity.
 *
 * @param enforcedBy per direction, the policies that make the subject default-deny there; a direction
 *     absent here is not enforced and holds the allow-all entry
 * @param entries by key
 */
public record SubjectPolicy(
        long subject, Map<Direction, SortedSet<PolicyRef>> enforcedBy, SortedMap<PolicyMapKey, PolicyEntry> entries) {

    public SubjectPolicy {
        enforcedBy = Map.copyOf(enforcedBy);
        // Compiled entries are immutable already and shared between subjects of equal content.
        entries = entries instanceof FrozenEntries
                ? entries
                : java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(entries));
    }

    public boolean enforced(Direction direction) {
        return enforcedBy.containsKey(direction);
    }

    /**
     * The entry behind a datapath decision: {@code Verdict.matchedKey()} is the stored key that decided,
     * so this names the policies that allowed or denied; empty when nothing matched (default deny, whose
     * policies are {@link #enforcedBy}).
     */
    public java.util.Optional<PolicyEntry> entryFor(PolicyMapKey matchedKey) {
        return matchedKey == null ? java.util.Optional.empty() : java.util.Optional.ofNullable(entries.get(matchedKey));
    }

    public List<PolicyEntry> entries(Direction direction) {
        return entries.values().stream()
                .filter(e -> e.key().direction() == direction)
                .toList();
    }
}
