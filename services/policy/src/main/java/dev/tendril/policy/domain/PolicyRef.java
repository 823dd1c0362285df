package dev.tendril.policy.domain;

/** Names a policy: {@code NetworkPolicy/demo/default-deny}. */
public record PolicyRef(String kind, String namespace, String name) implements Comparable<PolicyRef> {
    @Override
    public int compareTo(PolicyRef o) {
        return toString().compareTo(o.toString());
    }

    @Override
    public String toString() {
        return kind + "/" + namespace + "/" + name;
    }
}
