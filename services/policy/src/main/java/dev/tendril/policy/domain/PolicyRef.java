package dev.tendril.policy.domain;

/** Names a policy: {@code NetworkPolicy/demo/default-deny}. */
public record PolicyRef(String kind, String namespace, String name) implements Comparable<PolicyRef> {

    /** The order of {@link #toString()}, compared without building the strings (policy sets are compared often). */
    @Override
    public int compareTo(PolicyRef o) {
        int ia = 0;
        int ib = 0;
        int la = length();
        int lb = o.length();
        while (ia < la && ib < lb) {
            char a = charAt(ia++);
            char b = o.charAt(ib++);
            if (a != b) {
                return a - b;
            }
        }
        return la - lb;
    }

    private int length() {
        return kind.length() + namespace.length() + name.length() + 2;
    }

    private char charAt(int i) {
        if (i < kind.length()) {
            return kind.charAt(i);
        }
        i -= kind.length();
        if (i == 0) {
            return '/';
        }
        i--;
        if (i < namespace.length()) {
            return namespace.charAt(i);
        }
        i -= namespace.length();
        return i == 0 ? '/' : name.charAt(i - 1);
    }

    @Override
    public String toString() {
        return kind + "/" + namespace + "/" + name;
    }
}
