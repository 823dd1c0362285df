package dev.tendril.policy.domain;

import dev.tendril.net.Cidr;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/** What the service tells about policies beside their maps: warnings for the writer, CIDRs needing identities. */
public final class Policies {

    private Policies() {}

    /** Warnings about what a policy asks that Tendril accepts but does not enforce. */
    public static List<String> warnings(Policy policy) {
        List<String> out = new ArrayList<>();
        if (policy instanceof CiliumNetworkPolicy cnp) {
            l7(cnp.ingress(), "spec.ingress", cnp, out);
            l7(cnp.egress(), "spec.egress", cnp, out);
        }
        return out;
    }

    /** Every prefix a policy's CIDR peers name (the CIDR and each exception), default routes excluded. */
    public static SortedSet<String> cidrPrefixes(Policy policy) {
        SortedSet<String> out = new TreeSet<>();
        for (Rule rule : policy.rules()) {
            if (rule.peers() instanceof Rule.Peers.Selected s) {
                for (Peer peer : s.peers()) {
                    CidrSet set = switch (peer) {
                        case Peer.Cidrs c -> c.set();
                        case Peer.IpBlock b -> b.set();
                        default -> null;
                    };
                    if (set != null) {
                        add(set.cidr(), out);
                        set.except().forEach(e -> add(e, out));
                    }
                }
            }
        }
        return out;
    }

    /** The prefixes of all {@code policies}. */
    public static SortedSet<String> cidrPrefixes(Collection<? extends Policy> policies) {
        SortedSet<String> out = new TreeSet<>();
        policies.forEach(p -> out.addAll(cidrPrefixes(p)));
        return out;
    }

    private static void add(Cidr cidr, SortedSet<String> out) {
        if (cidr.prefixLength() > 0) {
            out.add(cidr.toString());
        }
    }

    private static void l7(
            List<CiliumNetworkPolicy.CiliumRule> rules, String path, CiliumNetworkPolicy cnp, List<String> out) {
        for (int i = 0; i < rules.size(); i++) {
            if (rules.get(i).ports().stream().anyMatch(PortRule::l7)) {
                out.add(cnp.ref() + ": " + path + "[" + i + "].toPorts: L7 rules are accepted, not enforced yet"
                        + " (the rule is enforced at L4 only)");
            }
        }
    }
}
