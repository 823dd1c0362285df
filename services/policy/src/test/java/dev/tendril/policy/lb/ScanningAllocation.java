package dev.tendril.policy.lb;

import dev.tendril.net.Cidr;
import dev.tendril.net.IpAddress;
import dev.tendril.net.IpFamily;
import dev.tendril.policy.lb.LbEvent.RevNat;
import dev.tendril.policy.lb.LbEvent.ServiceApplied;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The reference for {@link LbAllocationsTest}: a Service's ClusterIPs, NodePorts and reverse-NAT indexes
 * as looking at every other Service gives them (lowest free by counting up from the start of the range),
 * the rule {@link LbDecider} kept before it had an index. Refusals as {@link LbRejected}.
 */
final class ScanningAllocation {

    record Allocated(List<String> clusterIps, List<ServicePort> ports, List<RevNat> revNats) {}

    private ScanningAllocation() {}

    /** The allocations of {@code spec} (families {@code families}, primary first) on {@code state}. */
    static Allocated allocate(ServiceSpec spec, List<IpFamily> families, LbState state, LbSettings settings) {
        ServiceApplied existing = state.services().get(spec.key());
        Map<IpAddress, String> ipOwners = new HashMap<>();
        Map<String, String> portOwners = new HashMap<>();
        Set<Integer> revNatsTaken = new HashSet<>();
        state.services().forEach((key, other) -> {
            if (!key.equals(spec.key())) {
                other.service().clusterIPs().forEach(ip -> ipOwners.put(IpAddress.parse(ip), key));
                other.service().ports().stream()
                        .filter(p -> p.nodePort() != 0)
                        .forEach(p -> portOwners.put(p.nodePort() + "/" + p.protocol(), key));
                other.revNats().forEach(r -> revNatsTaken.add(r.index()));
            }
        });
        List<String> before = existing == null ? List.of() : existing.service().clusterIPs();
        List<String> given = spec.clusterIPs();
        if (given.size() > families.size()) {
            throw new LbRejected(422, "spec.clusterIPs", "too many");
        }
        if (!given.isEmpty() && !before.isEmpty() && !given.get(0).equals(before.get(0))) {
            throw new LbRejected(422, "spec.clusterIP", "immutable");
        }
        Set<IpAddress> ipsTaken = new HashSet<>(ipOwners.keySet());
        List<String> ips = new ArrayList<>();
        for (int i = 0; i < families.size(); i++) {
            IpFamily family = families.get(i);
            String field = i == 0 ? "spec.clusterIP" : "spec.clusterIPs[" + i + "]";
            Cidr cidr = family == IpFamily.IPV4 ? settings.serviceCidr4() : settings.serviceCidr6();
            String wanted = i < given.size() ? given.get(i) : null;
            for (String b : before) {
                if (wanted == null && IpAddress.parse(b).family() == family) {
                    wanted = b;
                }
            }
            IpAddress ip = null;
            if (wanted != null) {
                ip = IpAddress.parseOrNull(wanted);
                if (ip == null || ip.family() != family) {
                    throw new LbRejected(422, field, "not an address of the family");
                }
                if (!cidr.contains(ip) || ip.equals(cidr.network()) || ip.equals(cidr.last())) {
                    throw new LbRejected(422, field, "outside the CIDR");
                }
                if (ipOwners.containsKey(ip)) {
                    throw new LbRejected(409, field, wanted + " is taken by Service " + ipOwners.get(ip));
                }
            } else {
                long hosts = (1L << cidr.hostBits()) - 1;
                for (long offset = 1; offset < hosts && ip == null; offset++) {
                    if (!ipsTaken.contains(cidr.addressAt(offset))) {
                        ip = cidr.addressAt(offset);
                    }
                }
                if (ip == null) {
                    throw new LbRejected(409, field, "the service CIDR " + cidr + " has no free address");
                }
            }
            ips.add(ip.toString());
            ipsTaken.add(ip);
        }
        List<ServicePort> ports = new ArrayList<>(spec.ports());
        if (spec.type().equals(ServiceSpec.NODE_PORT)) {
            Set<String> portsTaken = new HashSet<>(portOwners.keySet());
            for (int i = 0; i < ports.size(); i++) {
                ServicePort p = ports.get(i);
                String key = p.nodePort() + "/" + p.protocol();
                String field = "spec.ports[" + i + "].nodePort";
                if (p.nodePort() != 0
                        && (p.nodePort() < settings.nodePortMin() || p.nodePort() > settings.nodePortMax())) {
                    throw new LbRejected(
                            409,
                            field,
                            p.nodePort() + " is outside the NodePort range " + settings.nodePortMin() + "-"
                                    + settings.nodePortMax());
                }
                if (p.nodePort() != 0 && portOwners.containsKey(key)) {
                    throw new LbRejected(409, field, "NodePort " + key + " is taken by Service " + portOwners.get(key));
                }
                if (p.nodePort() != 0 && !portsTaken.add(key)) {
                    throw new LbRejected(409, field, "NodePort " + key + " is named twice");
                }
            }
            for (int i = 0; i < ports.size(); i++) {
                ServicePort p = ports.get(i);
                if (p.nodePort() != 0) {
                    continue;
                }
                int kept = 0;
                for (ServicePort b : existing == null
                        ? List.<ServicePort>of()
                        : existing.service().ports()) {
                    if (kept == 0 && b.port() == p.port() && b.protocol().equals(p.protocol())) {
                        kept = b.nodePort();
                    }
                }
                boolean keptFree = kept != 0 && portsTaken.add(kept + "/" + p.protocol());
                int port = keptFree ? kept : settings.nodePortMin();
                while (!keptFree && port <= settings.nodePortMax() && portsTaken.contains(port + "/" + p.protocol())) {
                    port++;
                }
                if (port > settings.nodePortMax()) {
                    throw new LbRejected(409, "spec.ports[" + i + "].nodePort", "no NodePort left in the range");
                }
                portsTaken.add(port + "/" + p.protocol());
                ports.set(i, p.withNodePort(port));
            }
        }
        ServiceSpec allocated = new ServiceSpec(
                spec.namespace(),
                spec.name(),
                spec.type(),
                ips,
                ports,
                spec.selector(),
                spec.sessionAffinity(),
                0,
                "",
                "",
                List.of(),
                "");
        return new Allocated(ips, ports, revNats(allocated, existing, revNatsTaken));
    }

    private static List<RevNat> revNats(ServiceSpec allocated, ServiceApplied existing, Set<Integer> taken) {
        Map<String, Integer> before = new HashMap<>();
        if (existing != null) {
            existing.revNats().forEach(r -> before.put(r.address() + "|" + r.port() + "|" + r.protocol(), r.index()));
        }
        Map<String, RevNat> out = new TreeMap<>();
        List<LbFrontends.Frontend> missing = new ArrayList<>();
        for (LbFrontends.Frontend f : LbFrontends.frontends(allocated)) {
            String key = f.address() + "|" + f.port() + "|" + f.protocol();
            Integer kept = before.get(key);
            if (kept != null && taken.add(kept)) {
                out.put(key, new RevNat(f.address(), f.port(), f.protocol(), kept));
            } else {
                missing.add(f);
            }
        }
        int next = 1;
        for (LbFrontends.Frontend f : missing) {
            while (taken.contains(next)) {
                next++;
            }
            taken.add(next);
            out.put(
                    f.address() + "|" + f.port() + "|" + f.protocol(),
                    new RevNat(f.address(), f.port(), f.protocol(), next));
        }
        return List.copyOf(out.values());
    }
}
