package dev.tendril.policy.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.policy.adapters.persistence.PolicyJson;
import dev.tendril.policy.domain.Cidr;
import dev.tendril.policy.domain.CidrSet;
import dev.tendril.policy.domain.CiliumNetworkPolicy;
import dev.tendril.policy.domain.Peer;
import dev.tendril.policy.domain.Policy;
import dev.tendril.policy.domain.Rule;
import dev.tendril.policy.manifest.ManifestParser;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Splits a request body into its documents, each with its manifest as JSON (what the store keeps) and
 * the policy {@link ManifestParser} made of it. The parser validates; the split is the parser's own
 * ({@link ManifestParser#documents}) so that the two line up.
 */
public final class Manifests {

    /** One document of a request: its 0-based index in the input, its JSON and its policy. */
    public record Document(int index, JsonNode manifest, Policy policy) {
    }

    private Manifests() {
    }

    /**
     * @throws dev.tendril.policy.domain.PolicyValidationException if any document is invalid
     */
    public static List<Document> parse(String text) {
        List<Policy> policies = ManifestParser.parse(text);
        List<JsonNode> docs = documents(text == null ? "" : text);
        List<Document> out = new ArrayList<>();
        int p = 0;
        for (int i = 0; i < docs.size(); i++) {
            JsonNode doc = docs.get(i);
            if (doc == null || doc.isNull() || doc.isMissingNode()) {
                continue;
            }
            if (p >= policies.size()) {
                throw new IllegalStateException("document " + i + " has no policy");
            }
            out.add(new Document(i, doc, policies.get(p++)));
        }
        return out;
    }

    /** The policy a stored manifest describes. */
    public static Policy policy(JsonNode manifest) {
        List<Policy> parsed = ManifestParser.parse(PolicyJson.writeString(manifest));
        if (parsed.size() != 1) {
            throw new IllegalArgumentException("a stored manifest must hold one policy, got " + parsed.size());
        }
        return parsed.get(0);
    }

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
                    if (peer instanceof Peer.Cidrs(CidrSet set)) {
                        add(set.cidr(), out);
                        set.except().forEach(e -> add(e, out));
                    }
                }
            }
        }
        return out;
    }

    private static void add(Cidr cidr, SortedSet<String> out) {
        if (cidr.prefixLength() > 0) {
            out.add(cidr.toString());
        }
    }

    private static void l7(List<CiliumNetworkPolicy.CiliumRule> rules, String path, CiliumNetworkPolicy cnp, List<String> out) {
        for (int i = 0; i < rules.size(); i++) {
            if (rules.get(i).ports().stream().anyMatch(p -> p.l7())) {
                out.add(cnp.ref() + ": " + path + "[" + i + "].toPorts: L7 rules are accepted, not enforced yet"
                        + " (the rule is enforced at L4 only)");
            }
        }
    }

    private static List<JsonNode> documents(String text) {
        try {
            return ManifestParser.documents(text);
        } catch (dev.tendril.policy.domain.PolicyValidationException e) {
            throw new IllegalStateException("the parser accepted what the splitter cannot read: " + e.getMessage(), e);
        }
    }
}
