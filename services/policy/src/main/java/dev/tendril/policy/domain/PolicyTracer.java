package dev.tendril.policy.domain;

import dev.tendril.datapath.Datapath;
import dev.tendril.datapath.DropReason;
import dev.tendril.datapath.MatchType;
import dev.tendril.datapath.Verdict;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.PolicyMap;
import dev.tendril.k8s.labels.Label;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Answers "would a connection from one party to another pass, and why": the source's policy map decides
 * egress against the destination's identity, the destination's map decides ingress against the source's,
 * each through {@link Datapath#decide} on an in-memory copy of the computed entries, exactly as an agent's
 * maps would. Every step carries an explanation that names the policies behind it.
 */
public final class PolicyTracer {

    /**
     * One end of the connection.
     *
     * @param endpoint {@code namespace/pod} when the party is an endpoint, else null
     * @param hypothetical true for a label set that has no identity yet (compiled on the fly)
     */
    public record Party(Identity identity, String endpoint, boolean hypothetical) {
        /** How explanations name the party. */
        public String describe() {
            if (endpoint != null) {
                return endpoint;
            }
            return hypothetical ? "labels " + labels(identity) : "identity " + identity.id();
        }
    }

    /**
     * One direction's decision.
     *
     * @param entry the entry that decided, or null (default deny, not subject to policy, loopback)
     * @param policies the policies behind the decision: the entry's, or the enforcing ones of a default deny
     */
    public record Step(
            Direction direction,
            boolean allowed,
            DropReason dropReason,
            MatchType matchType,
            PolicyEntry entry,
            SortedSet<PolicyRef> policies,
            String explanation) {}

    public record Trace(boolean allowed, Step egress, Step ingress) {}

    private PolicyTracer() {}

    /**
     * @param maps the computed map of a subject; empty for an identity that owns no policy map
     * @param protocol TCP, UDP or SCTP
     */
    public static Trace trace(
            Party from, Party to, Protocol protocol, int port, Function<Long, Optional<SubjectPolicy>> maps) {
        if (protocol == Protocol.ANY) {
            throw new IllegalArgumentException("a connection has a concrete protocol");
        }
        Step egress = step(Direction.EGRESS, from, to, protocol, port, maps);
        Step ingress = step(Direction.INGRESS, to, from, protocol, port, maps);
        return new Trace(egress.allowed() && ingress.allowed(), egress, ingress);
    }

    /** A pod talking to itself: the datapath does not apply policy to loopback traffic. */
    public static Trace loopback(Party pod) {
        String why = "loopback: traffic from " + pod.describe() + " to itself is not subject to policy";
        return new Trace(true, free(Direction.EGRESS, why), free(Direction.INGRESS, why));
    }

    /**
     * The maps of {@code subjects} as they would be if {@code hypothetical} existed: a label set with no
     * identity yet is compiled on the fly, and so are the real subjects whose peers it would join.
     */
    public static Map<Long, SubjectPolicy> compileWith(
            PolicyEngine engine, Identity hypothetical, Collection<Identity> subjects) {
        List<Identity> identities = new ArrayList<>(engine.identities());
        identities.add(hypothetical);
        return new PolicyCompiler(engine.clusterName())
                .compile(engine.policies(), identities, engine.namedPorts(), subjects);
    }

    /** An identity number no known identity has, for a hypothetical party. */
    public static long unusedIdentity(PolicyEngine engine) {
        long id = 0xFFFF_FFFFL;
        while (engine.identity(id).isPresent()) {
            id--;
        }
        return id;
    }

    private static Step step(
            Direction direction,
            Party local,
            Party remote,
            Protocol protocol,
            int port,
            Function<Long, Optional<SubjectPolicy>> maps) {
        Optional<SubjectPolicy> subject = maps.apply(local.identity().id());
        String dir = direction == Direction.INGRESS ? "ingress" : "egress";
        if (subject.isEmpty()) {
            return free(
                    direction,
                    dir + " not subject to policy: " + local.describe() + " (" + labels(local.identity())
                            + ") owns no policy map");
        }
        SubjectPolicy sp = subject.get();
        PolicyMap map = PolicyMap.inMemory(
                "trace_" + local.identity().id(),
                Math.max(PolicyMap.DEFAULT_MAX_ENTRIES, sp.entries().size()));
        sp.entries().values().forEach(e -> map.put(e.key(), e.value()));
        Verdict v = Datapath.decide(map, remote.identity().id(), direction, protocol.number(), port);
        PolicyEntry entry = sp.entryFor(v.matchedKey()).orElse(null);
        SortedSet<PolicyRef> policies = new TreeSet<>(entry == null ? new TreeSet<>() : entry.policies());
        String peer = (direction == Direction.INGRESS ? "from " : "to ") + remote.describe() + " ("
                + labels(remote.identity()) + ")";
        String explanation;
        if (!sp.enforced(direction) && v.forwarded()) {
            explanation = dir + " not enforced for " + local.describe() + ": no policy selects it";
        } else if (v.forwarded()) {
            if (!policies.isEmpty()) {
                explanation = "allowed by " + join(policies);
            } else if (direction == Direction.INGRESS && remote.identity().id() == Identity.HOST) {
                explanation = "allowed: traffic from the host is always allowed (allow-localhost)";
            } else {
                explanation = "allowed by an entry no policy owns";
            }
        } else if (v.dropReason() == DropReason.POLICY_DENY) {
            explanation = "denied by "
                    + policies.stream().map(p -> p + " (deny rule)").collect(Collectors.joining(", "));
        } else if (v.dropReason() == DropReason.AUTH_REQUIRED) {
            explanation =
                    "allowed by " + join(policies) + " but authentication is required, which Tendril does not perform";
        } else {
            SortedSet<PolicyRef> enforcing = sp.enforcedBy().getOrDefault(direction, new TreeSet<>());
            policies = new TreeSet<>(enforcing);
            explanation = "no policy selecting " + local.describe() + " allows " + dir + " " + peer + " on " + port
                    + "/" + protocol + "; default deny from " + join(enforcing);
        }
        return new Step(direction, v.forwarded(), v.dropReason(), v.matchType(), entry, policies, explanation);
    }

    private static Step free(Direction direction, String explanation) {
        return new Step(direction, true, DropReason.NONE, MatchType.NONE, null, new TreeSet<>(), explanation);
    }

    private static String join(Collection<PolicyRef> refs) {
        return refs.stream().map(PolicyRef::toString).collect(Collectors.joining(", "));
    }

    private static String labels(Identity identity) {
        return identity.labels().stream().map(Label::toString).collect(Collectors.joining(", "));
    }
}
