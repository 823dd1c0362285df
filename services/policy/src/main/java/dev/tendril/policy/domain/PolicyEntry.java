package dev.tendril.policy.domain;

import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * One computed policy-map entry and the policies that produced it. The allow-all entry of a direction
 * no policy enforces has no policies.
 */
public record PolicyEntry(PolicyMapKey key, PolicyMapValue value, SortedSet<PolicyRef> policies) {
    public PolicyEntry {
        if (key.l4PrefixLength() != value.l4PrefixLength()) {
            throw new IllegalArgumentException("value prefix length must equal the key's for " + key);
        }
        policies = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(policies));
    }
}
