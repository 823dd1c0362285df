package dev.tendril.policy.domain;

import dev.tendril.datapath.policymap.PolicyMapKey;
import java.util.AbstractMap;
import java.util.Collections;
import java.util.Comparator;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The entries of a compiled {@link SubjectPolicy}, sorted by {@link PolicyCompiler#KEY_ORDER} and never
 * modified after construction, so that subjects compiled to the same content can share one instance
 * instead of each copying it.
 */
final class FrozenEntries extends AbstractMap<PolicyMapKey, PolicyEntry>
        implements SortedMap<PolicyMapKey, PolicyEntry> {

    private final SortedMap<PolicyMapKey, PolicyEntry> entries;

    /** Takes ownership of {@code entries}: the caller must not keep or change it. */
    FrozenEntries(TreeMap<PolicyMapKey, PolicyEntry> entries) {
        this.entries = Collections.unmodifiableSortedMap(entries);
    }

    /** Two compiled maps are sorted alike: compare them in one pass instead of a lookup per entry. */
    @Override
    public boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        if (!(o instanceof FrozenEntries other) || other.comparator() != comparator()) {
            return super.equals(o);
        }
        if (other.size() != size()) {
            return false;
        }
        var mine = entries.values().iterator();
        var theirs = other.entries.values().iterator();
        while (mine.hasNext()) {
            if (!mine.next().equals(theirs.next())) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return super.hashCode();
    }

    @Override
    public Set<Entry<PolicyMapKey, PolicyEntry>> entrySet() {
        return entries.entrySet();
    }

    @Override
    public int size() {
        return entries.size();
    }

    @Override
    public PolicyEntry get(Object key) {
        return entries.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        return entries.containsKey(key);
    }

    @Override
    public Comparator<? super PolicyMapKey> comparator() {
        return entries.comparator();
    }

    @Override
    public SortedMap<PolicyMapKey, PolicyEntry> subMap(PolicyMapKey fromKey, PolicyMapKey toKey) {
        return entries.subMap(fromKey, toKey);
    }

    @Override
    public SortedMap<PolicyMapKey, PolicyEntry> headMap(PolicyMapKey toKey) {
        return entries.headMap(toKey);
    }

    @Override
    public SortedMap<PolicyMapKey, PolicyEntry> tailMap(PolicyMapKey fromKey) {
        return entries.tailMap(fromKey);
    }

    @Override
    public PolicyMapKey firstKey() {
        return entries.firstKey();
    }

    @Override
    public PolicyMapKey lastKey() {
        return entries.lastKey();
    }

    @Override
    public Set<PolicyMapKey> keySet() {
        return entries.keySet();
    }

    @Override
    public java.util.Collection<PolicyEntry> values() {
        return entries.values();
    }
}
