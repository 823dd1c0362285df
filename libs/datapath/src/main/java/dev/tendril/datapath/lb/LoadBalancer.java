package dev.tendril.datapath.lb;

import dev.tendril.datapath.maps.BpfMap;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The socket-LB translation of Cilium's {@code bpf_sock.c} ({@code __sock4_xlate_fwd}) over the node's LB
 * maps, through the byte-level maps, so that it answers the same on the in-memory maps and on the kernel's.
 * The lookups, in the order the kernel programs make them:
 *
 * <ol>
 *   <li>the master entry (slot 0, external scope) of (daddr, dport, protocol) in
 *       {@code cilium_lb{4,6}_services_v2};</li>
 *   <li>on a miss, when daddr is one of the node's addresses, the NodePort surrogate (0.0.0.0 or ::, dport,
 *       protocol);</li>
 *   <li>no master: no service, the connection goes where it was addressed ({@link Optional#empty()});
 *       a master with count 0: {@link NoBackends} (the program refuses the connect with ECONNREFUSED and
 *       reports drop reason 158, "Service backend not found");</li>
 *   <li>a master with the affinity flag: the client's entry in {@code cilium_lb{4,6}_affinity} (client
 *       netns cookie, rev NAT index) is kept while its backend is still in one of the frontend's slots and
 *       it was used within the master's timeout;</li>
 *   <li>otherwise slot {@code hash % count + 1}, its backend id, and the backend in
 *       {@code cilium_lb{4,6}_backends_v3}; a missing slot or backend is also "no backend"
 *       ({@code DROP_NO_SERVICE}, as the kernel);</li>
 *   <li>with affinity, the choice is written to the affinity map with {@code now}.</li>
 * </ol>
 *
 * The kernel draws {@code hash} from {@code bpf_get_prandom_u32()}; the model takes it from the caller, so a
 * model answer is repeatable. The affinity map is optional: without it affinity is not honoured.
 */
public final class LoadBalancer {

    /** The node's LB maps of one family; {@code affinity} may be null. */
    public record FamilyMaps(BpfMap services, BpfMap backends, BpfMap affinity) {
        public FamilyMaps {
            if (services == null || backends == null) {
                throw new IllegalArgumentException("services and backends maps are required");
            }
        }
    }

    /** What a translation found: a service frontend, and either a backend or none. */
    public sealed interface Translation permits Translated, NoBackends {
        /** The master entry's key (the surrogate's for a NodePort reached on a node address). */
        LbServiceKey frontend();

        LbServiceValue master();

        default int revNatIndex() {
            return master().revNatIndex();
        }
    }

    /**
     * The connection goes to {@code backend}.
     *
     * @param slot the slot chosen (1..count), or the slot that holds the affinity entry's backend
     * @param fromAffinity true when the client's affinity entry decided
     */
    public record Translated(
            LbServiceKey frontend,
            LbServiceValue master,
            int slot,
            long backendId,
            LbBackendValue backend,
            boolean fromAffinity)
            implements Translation {}

    /** The frontend exists and has no (usable) backend: the connection is refused, drop reason 158. */
    public record NoBackends(LbServiceKey frontend, LbServiceValue master) implements Translation {}

    /** {@code DROP_NO_SERVICE}. */
    public static final int DROP_NO_SERVICE = 158;

    public static final String DROP_NO_SERVICE_DESCRIPTION = "Service backend not found";

    private static final InetAddress ANY_V4 = literal(new byte[4]);
    private static final InetAddress ANY_V6 = literal(new byte[16]);

    private final FamilyMaps v4;
    private final FamilyMaps v6;

    /** @param v4 the IPv4 maps, or null; @param v6 the IPv6 maps, or null */
    public LoadBalancer(FamilyMaps v4, FamilyMaps v6) {
        this.v4 = v4;
        this.v6 = v6;
    }

    /**
     * @param clientCookie the client's network namespace cookie (affinity key)
     * @param hash the caller's stand-in for {@code bpf_get_prandom_u32()}, used unsigned
     * @param nowNanos the monotonic time for affinity, in nanoseconds
     * @param isNodeAddress whether an address is one of this node's (the NodePort surrogate applies)
     */
    public Optional<Translation> translate(
            InetAddress daddr,
            int dport,
            int protocol,
            long clientCookie,
            int hash,
            long nowNanos,
            Predicate<InetAddress> isNodeAddress) {
        boolean isV6 = daddr instanceof Inet6Address;
        FamilyMaps maps = isV6 ? v6 : v4;
        if (maps == null) {
            return Optional.empty();
        }
        LbServiceKey key = LbServiceKey.master(daddr, dport, protocol);
        Optional<LbServiceValue> master = lookupService(maps, key);
        if (master.isEmpty() && isNodeAddress.test(daddr)) {
            key = key.withAddress(isV6 ? ANY_V6 : ANY_V4);
            master = lookupService(maps, key);
        }
        if (master.isEmpty()) {
            return Optional.empty();
        }
        LbServiceValue svc = master.get();
        if (svc.count() == 0) {
            return Optional.of(new NoBackends(key, svc));
        }
        boolean affinity = (svc.flags() & LbFlags.AFFINITY) != 0 && maps.affinity() != null;
        byte[] affinityKey = new LbAffinityKey(clientCookie, svc.revNatIndex()).encode(isV6);
        if (affinity) {
            Optional<Translated> kept = fromAffinity(maps, key, svc, affinityKey, nowNanos);
            if (kept.isPresent()) {
                maps.affinity()
                        .put(
                                affinityKey,
                                new LbAffinityValue(nowNanos, kept.get().backendId()).encode());
                return Optional.of(kept.get());
            }
        }
        int slot = (int) (Integer.toUnsignedLong(hash) % svc.count()) + 1;
        Optional<LbServiceValue> slotValue = lookupService(maps, key.withSlot(slot));
        if (slotValue.isEmpty()) {
            return Optional.of(new NoBackends(key, svc));
        }
        long backendId = slotValue.get().backendId();
        Optional<LbBackendValue> backend = lookupBackend(maps, backendId);
        if (backend.isEmpty()) {
            return Optional.of(new NoBackends(key, svc));
        }
        if (affinity) {
            maps.affinity().put(affinityKey, new LbAffinityValue(nowNanos, backendId).encode());
        }
        return Optional.of(new Translated(key, svc, slot, backendId, backend.get(), false));
    }

    private Optional<Translated> fromAffinity(
            FamilyMaps maps, LbServiceKey key, LbServiceValue svc, byte[] affinityKey, long nowNanos) {
        Optional<byte[]> raw = maps.affinity().lookup(affinityKey);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        LbAffinityValue held = LbAffinityValue.decode(raw.get());
        long timeoutNanos = svc.affinityTimeoutSeconds() * 1_000_000_000L;
        if (nowNanos - held.lastUsed() > timeoutNanos) {
            return Optional.empty();
        }
        for (int slot = 1; slot <= svc.count(); slot++) {
            Optional<LbServiceValue> s = lookupService(maps, key.withSlot(slot));
            if (s.isPresent() && s.get().backendId() == held.backendId()) {
                Optional<LbBackendValue> backend = lookupBackend(maps, held.backendId());
                if (backend.isPresent()) {
                    return Optional.of(new Translated(key, svc, slot, held.backendId(), backend.get(), true));
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<LbServiceValue> lookupService(FamilyMaps maps, LbServiceKey key) {
        return maps.services().lookup(key.encode()).map(LbServiceValue::decode);
    }

    private static Optional<LbBackendValue> lookupBackend(FamilyMaps maps, long backendId) {
        return maps.backends().lookup(new LbBackendKey(backendId).encode()).map(LbBackendValue::decode);
    }

    private static InetAddress literal(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
