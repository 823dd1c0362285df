package dev.tendril.agent.bench;

import dev.tendril.agent.bpf.KernelBpfMap;
import dev.tendril.agent.state.MapReconciler;
import dev.tendril.datapath.lb.LbBackendKey;
import dev.tendril.datapath.lb.LbBackendValue;
import dev.tendril.datapath.lb.LbFlags;
import dev.tendril.datapath.lb.LbMaps;
import dev.tendril.datapath.lb.LbRevNatKey;
import dev.tendril.datapath.lb.LbRevNatValue;
import dev.tendril.datapath.lb.LbServiceKey;
import dev.tendril.datapath.lb.LbServiceValue;
import dev.tendril.datapath.maps.BpfMap.Entry;
import dev.tendril.datapath.maps.UpdateFlag;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Tendril arm's map writes for the services benchmark: {@code cilium_lb4_services_v2},
 * {@code cilium_lb4_backends_v3} and {@code cilium_lb4_reverse_nat} as real kernel hash maps ({@link LbMaps}:
 * 65,536 entries each, Cilium's defaults), a service written as Cilium's agent writes it: its backends, its
 * reverse-NAT entry, its slots 1..n, then its master slot 0 (so the datapath never sees a count of slots
 * not yet written). Entries are encoded by libs/datapath's {@code dev.tendril.datapath.lb} codecs.
 */
final class TendrilLbArm implements AutoCloseable {
    private static final int TCP = 6;

    /** A service: VIP and port, backends as (id, address) on {@code backendPort}, its reverse-NAT index. */
    record Service(
            InetAddress vip,
            int port,
            int revNat,
            List<Long> backendIds,
            List<InetAddress> backends,
            int backendPort) {}

    final KernelBpfMap services;
    final KernelBpfMap backends;
    final KernelBpfMap revNat;

    /** The maps pinned in {@code pinDir} under their Cilium names, where the socket-LB object finds them. */
    TendrilLbArm(Path pinDir) {
        services = KernelBpfMap.createOrOpenPinned(pinDir.resolve(LbMaps.SERVICES_V4.name()), LbMaps.SERVICES_V4);
        backends = KernelBpfMap.createOrOpenPinned(pinDir.resolve(LbMaps.BACKENDS_V4.name()), LbMaps.BACKENDS_V4);
        revNat = KernelBpfMap.createOrOpenPinned(pinDir.resolve(LbMaps.REVERSE_NAT_V4.name()), LbMaps.REVERSE_NAT_V4);
    }

    /** Writes one service, one update syscall per entry (what the agent does for one changed service). */
    void write(Service s) {
        for (int i = 0; i < s.backends().size(); i++) {
            backends.update(
                    backendKey(s.backendIds().get(i)),
                    backendValue(s.backends().get(i), s.backendPort()),
                    UpdateFlag.ANY);
        }
        revNat.update(revNatKey(s.revNat()), revNatValue(s.vip(), s.port()), UpdateFlag.ANY);
        for (int slot = 1; slot <= s.backends().size(); slot++) {
            services.update(
                    serviceKey(s.vip(), s.port(), slot),
                    serviceValue(s.backendIds().get(slot - 1), 0, s.revNat()),
                    UpdateFlag.ANY);
        }
        services.update(
                serviceKey(s.vip(), s.port(), 0), serviceValue(0, s.backends().size(), s.revNat()), UpdateFlag.ANY);
    }

    /** Removes one service: master first, then slots, reverse NAT and backends (the reverse of {@link #write}). */
    void remove(Service s) {
        services.delete(serviceKey(s.vip(), s.port(), 0));
        for (int slot = 1; slot <= s.backends().size(); slot++) {
            services.delete(serviceKey(s.vip(), s.port(), slot));
        }
        revNat.delete(revNatKey(s.revNat()));
        s.backendIds().forEach(id -> backends.delete(backendKey(id)));
    }

    /** Every entry of {@code all}, in the order {@link #write} uses, for batch writes. */
    static List<List<Entry>> entries(List<Service> all) {
        List<Entry> b = new ArrayList<>();
        List<Entry> r = new ArrayList<>();
        List<Entry> s = new ArrayList<>();
        for (Service svc : all) {
            for (int i = 0; i < svc.backends().size(); i++) {
                b.add(new Entry(
                        backendKey(svc.backendIds().get(i)),
                        backendValue(svc.backends().get(i), svc.backendPort())));
            }
            r.add(new Entry(revNatKey(svc.revNat()), revNatValue(svc.vip(), svc.port())));
            for (int slot = 1; slot <= svc.backends().size(); slot++) {
                s.add(new Entry(
                        serviceKey(svc.vip(), svc.port(), slot),
                        serviceValue(svc.backendIds().get(slot - 1), 0, svc.revNat())));
            }
            s.add(new Entry(
                    serviceKey(svc.vip(), svc.port(), 0),
                    serviceValue(0, svc.backends().size(), svc.revNat())));
        }
        return List.of(b, r, s);
    }

    /** A full rewrite of every entry (batched, {@code BPF_MAP_UPDATE_BATCH}), backends first. */
    void writeAll(List<List<Entry>> entries) {
        backends.updateAll(entries.get(0), UpdateFlag.ANY);
        revNat.updateAll(entries.get(1), UpdateFlag.ANY);
        services.updateAll(entries.get(2), UpdateFlag.ANY);
    }

    /**
     * The agent's full resync of these maps: {@link MapReconciler} reads each map back, diffs it against
     * {@code desired} (per map, as {@link #entries} orders them) and writes only the differences.
     */
    int reconcile(List<Map<ByteBuffer, byte[]>> desired) {
        int changed = 0;
        List<KernelBpfMap> maps = List.of(backends, revNat, services);
        for (int i = 0; i < maps.size(); i++) {
            MapReconciler.Result r = MapReconciler.reconcile(maps.get(i), desired.get(i));
            changed += r.added() + r.updated() + r.removed();
        }
        return changed;
    }

    static List<Map<ByteBuffer, byte[]>> desired(List<List<Entry>> entries) {
        List<Map<ByteBuffer, byte[]>> out = new ArrayList<>();
        for (List<Entry> map : entries) {
            Map<ByteBuffer, byte[]> m = new HashMap<>();
            map.forEach(e -> m.put(ByteBuffer.wrap(e.key()), e.value()));
            out.add(m);
        }
        return out;
    }

    void clear() {
        for (KernelBpfMap m : List.of(services, revNat, backends)) {
            m.deleteAll(m.keys());
        }
    }

    int size() {
        return services.size() + backends.size() + revNat.size();
    }

    static byte[] serviceKey(InetAddress vip, int port, int slot) {
        return new LbServiceKey(vip, port, slot, TCP, LbServiceKey.SCOPE_EXTERNAL).encode();
    }

    /** A ClusterIP frontend's entry: Cilium marks those {@code SVC_FLAG_ROUTABLE}. */
    static byte[] serviceValue(long backendId, int count, int revNat) {
        LbServiceValue value = count > 0
                ? LbServiceValue.master(0, count, revNat, LbFlags.ROUTABLE, 0)
                : LbServiceValue.slot(backendId, revNat, LbFlags.ROUTABLE, 0);
        return value.encode();
    }

    static byte[] backendKey(long id) {
        return new LbBackendKey(id).encode();
    }

    static byte[] backendValue(InetAddress address, int port) {
        return LbBackendValue.of(address, port, TCP).encode();
    }

    static byte[] revNatKey(int index) {
        return new LbRevNatKey(index).encode();
    }

    static byte[] revNatValue(InetAddress vip, int port) {
        return new LbRevNatValue(vip, port).encode();
    }

    static InetAddress v4(int address) {
        try {
            return InetAddress.getByAddress(
                    new byte[] {(byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address
                    });
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        services.close();
        backends.close();
        revNat.close();
    }
}
