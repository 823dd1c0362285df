package dev.tendril.datapath;

import dev.tendril.datapath.ipcache.Ipcache;
import dev.tendril.datapath.ipcache.IpcacheValue;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.PolicyMap;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Optional;

/**
 * The policy decision of Cilium's datapath ({@code __policy_can_access} in bpf/lib/policy.h), evaluated
 * over an ipcache and an endpoint's policy map through the byte-level maps, so that it gives the same
 * answer on the in-memory maps and on the kernel's.
 *
 * <p>The remote identity is the ipcache's longest-prefix entry for the peer's address (the source on
 * ingress, the destination on egress) in the local cluster. An address without an entry is the world:
 * Cilium's programs start from {@code WORLD_IPV4_ID}/{@code WORLD_IPV6_ID} and keep it when the ipcache
 * has nothing, and those are reserved identity 2 unless dual-stack world identities (9, 10) are enabled,
 * which the three-argument constructor expresses.
 *
 * <p>The policy map is then looked up as the kernel does:
 * <ol>
 *   <li>the full-prefix key with the remote identity: the longest matching L4 prefix for that identity;
 *       a deny entry decides at once;</li>
 *   <li>the same key with identity 0 (any peer);</li>
 *   <li>the identity-0 entry wins if it is a deny, or if there is no identity entry, or if its
 *       {@code proxy_port_priority} is higher, or if the priority is equal and its L4 prefix strictly
 *       longer; otherwise the identity entry wins (ties go to the more specific L3 match);</li>
 *   <li>nothing found: dropped, 133 "Policy denied". A winning deny: dropped, 181. A winning allow that
 *       requires authentication: dropped, 189 (Tendril has no auth map). Otherwise forwarded.</li>
 * </ol>
 * Match types follow the kernel: the identity entry gives L3-L4 (port bits), L3-Proto (protocol only)
 * or L3-Only; the identity-0 entry gives L4-Only, Proto-Only or all. The matched key is rebuilt from the
 * lookup key and the entry's {@code lpm_prefix_length}, as the kernel does for policy accounting, because
 * a map lookup returns only the value.
 *
 * <p>Not modelled: proxy redirects (a proxy port is reported in the value, the verdict stays
 * FORWARDED), ICMP type rules, fragments, audit mode, and the identity carried in tunnel headers (the
 * ipcache is the only source of identity here).
 */
public final class Datapath {
    /** Reserved identity of addresses outside the cluster. */
    public static final long IDENTITY_WORLD = 2;

    private final Ipcache ipcache;
    private final long worldIpv4;
    private final long worldIpv6;

    /** A datapath that resolves unknown addresses to world (2). */
    public Datapath(Ipcache ipcache) {
        this(ipcache, IDENTITY_WORLD, IDENTITY_WORLD);
    }

    /** A datapath with explicit world identities, e.g. 9 and 10 for Cilium's dual-stack world. */
    public Datapath(Ipcache ipcache, long worldIpv4, long worldIpv6) {
        if (ipcache == null) {
            throw new IllegalArgumentException("ipcache must not be null");
        }
        this.ipcache = ipcache;
        this.worldIpv4 = worldIpv4;
        this.worldIpv6 = worldIpv6;
    }

    /** The identity the datapath attributes to an address. */
    public long resolveIdentity(InetAddress address) {
        return ipcache.lookup(address)
                .map(IpcacheValue::identity)
                .orElse(address instanceof Inet4Address ? worldIpv4 : worldIpv6);
    }

    /** The verdict for a packet at the endpoint owning {@code policyMap}, in the packet's direction. */
    public Verdict evaluate(PolicyMap policyMap, Packet packet) {
        long remote = resolveIdentity(packet.remote());
        return decide(policyMap, remote, packet.direction(), packet.protocol(), packet.destinationPort());
    }

    /** The policy map step alone, for a remote identity already known. */
    public static Verdict decide(
            PolicyMap policyMap, long remoteIdentity, Direction direction, int protocol, int port) {
        PolicyMapKey key = PolicyMapKey.of(remoteIdentity, direction, protocol, port);
        Optional<PolicyMapValue> l3 = policyMap.lookup(key);
        if (l3.isPresent() && l3.get().deny()) {
            return fromIdentityEntry(key, l3.get(), null, remoteIdentity, direction);
        }
        PolicyMapKey wildcard = key.withIdentity(0);
        Optional<PolicyMapValue> l4 = policyMap.lookup(wildcard);
        if (l4.isPresent()) {
            PolicyMapValue w = l4.get();
            boolean chooseWildcard = w.deny()
                    || l3.isEmpty()
                    || w.proxyPortPriority() > l3.get().proxyPortPriority()
                    || (w.proxyPortPriority() == l3.get().proxyPortPriority()
                            && w.l4PrefixLength() > l3.get().l4PrefixLength());
            if (chooseWildcard) {
                MatchType type = w.l4PrefixLength() == 0
                        ? MatchType.ALL
                        : w.l4PrefixLength() <= PolicyMapKey.PROTOCOL_PREFIX_BITS
                                ? MatchType.PROTO_ONLY
                                : MatchType.L4_ONLY;
                return check(
                        wildcard.maskedTo(w.l4PrefixLength()), w, l3.orElse(null), type, remoteIdentity, direction);
            }
        }
        if (l3.isPresent()) {
            return fromIdentityEntry(key, l3.get(), l4.orElse(null), remoteIdentity, direction);
        }
        return new Verdict(
                Verdict.FlowVerdict.DROPPED,
                DropReason.POLICY_DENIED,
                MatchType.NONE,
                remoteIdentity,
                direction,
                null,
                null);
    }

    private static Verdict fromIdentityEntry(
            PolicyMapKey key, PolicyMapValue v, PolicyMapValue other, long remoteIdentity, Direction direction) {
        MatchType type = v.l4PrefixLength() > PolicyMapKey.PROTOCOL_PREFIX_BITS
                ? MatchType.L3_L4
                : v.l4PrefixLength() > 0 ? MatchType.L3_PROTO : MatchType.L3_ONLY;
        return check(key.maskedTo(v.l4PrefixLength()), v, other, type, remoteIdentity, direction);
    }

    /** {@code __policy_check}: deny, then auth (propagated from the other match when not explicit). */
    private static Verdict check(
            PolicyMapKey matched,
            PolicyMapValue chosen,
            PolicyMapValue other,
            MatchType type,
            long remoteIdentity,
            Direction direction) {
        if (chosen.deny()) {
            return new Verdict(
                    Verdict.FlowVerdict.DROPPED,
                    DropReason.POLICY_DENY,
                    type,
                    remoteIdentity,
                    direction,
                    matched,
                    chosen);
        }
        int auth = chosen.authType();
        if (other != null && other.authType() > auth && !chosen.explicitAuthType()) {
            auth = other.authType();
        }
        if (auth != 0) {
            return new Verdict(
                    Verdict.FlowVerdict.DROPPED,
                    DropReason.AUTH_REQUIRED,
                    type,
                    remoteIdentity,
                    direction,
                    matched,
                    chosen);
        }
        return new Verdict(
                Verdict.FlowVerdict.FORWARDED, DropReason.NONE, type, remoteIdentity, direction, matched, chosen);
    }
}
