package dev.tendril.policy.lb;

import dev.tendril.net.IpAddress;
import dev.tendril.net.IpFamily;
import dev.tendril.policy.lb.LbEvent.RevNat;
import dev.tendril.policy.lb.LbEvent.ServiceApplied;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The frontends of an allocated Service (each ClusterIP x port, then the NodePort surrogates {@code 0.0.0.0} /
 * {@code ::} per family and port) and their reverse-NAT indexes.
 */
final class LbFrontends {

    static final int MAX_REV_NAT = 65535;

    private LbFrontends() {}

    /**
     * One reverse-NAT index per frontend, kept from the Service's previous version when it had the frontend
     * and no other Service holds the index; the others get the lowest free ones from 1.
     */
    static List<RevNat> revNats(ServiceSpec spec, Optional<ServiceApplied> existing, LbAllocations held) {
        // Taken: what other Services hold (the index), and what this decision took already.
        Set<Integer> taken = new HashSet<>();
        TreeSet<Integer> own = new TreeSet<>();
        Map<String, Integer> before = new HashMap<>();
        existing.ifPresent(e -> e.revNats().forEach(r -> {
            before.put(frontendKey(r.address(), r.port(), r.protocol()), r.index());
            own.add(r.index());
        }));
        List<RevNat> out = new ArrayList<>();
        List<Frontend> missing = new ArrayList<>();
        for (Frontend f : frontends(spec)) {
            Integer kept = before.get(frontendKey(f.address(), f.port(), f.protocol()));
            String owner = kept == null ? null : held.revNatOwner(kept);
            if (kept != null && (owner == null || owner.equals(spec.key())) && taken.add(kept)) {
                out.add(new RevNat(f.address(), f.port(), f.protocol(), kept));
            } else {
                missing.add(f);
            }
        }
        for (Frontend m : missing) {
            Integer next = held.takenRevNats().lowestFree(1, own, taken);
            if (next == null || next > MAX_REV_NAT) {
                throw new LbRejected(409, "spec.ports", "no reverse-NAT index left");
            }
            taken.add(next);
            out.add(new RevNat(m.address(), m.port(), m.protocol(), next));
        }
        out.sort((a, b) -> frontendKey(a.address(), a.port(), a.protocol())
                .compareTo(frontendKey(b.address(), b.port(), b.protocol())));
        return out;
    }

    static String frontendKey(String address, int port, int protocol) {
        return address + "|" + port + "|" + protocol;
    }

    /** A frontend of a Service without its backends: address, port, protocol and the Service port it serves. */
    record Frontend(String address, int port, int protocol, ServicePort servicePort, boolean nodePort) {}

    /** Every frontend of an allocated Service: each ClusterIP x port, then the NodePort surrogates per family. */
    static List<Frontend> frontends(ServiceSpec spec) {
        List<Frontend> out = new ArrayList<>();
        for (String ip : spec.clusterIPs()) {
            for (ServicePort p : spec.ports()) {
                out.add(new Frontend(ip, p.port(), p.protocolNumber(), p, false));
            }
        }
        if (spec.type().equals(ServiceSpec.NODE_PORT)) {
            for (String ip : spec.clusterIPs()) {
                String any = IpAddress.parse(ip).family() == IpFamily.IPV4 ? "0.0.0.0" : "::";
                for (ServicePort p : spec.ports()) {
                    out.add(new Frontend(any, p.nodePort(), p.protocolNumber(), p, true));
                }
            }
        }
        return out;
    }
}
