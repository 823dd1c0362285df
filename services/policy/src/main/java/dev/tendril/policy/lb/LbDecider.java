package dev.tendril.policy.lb;

import dev.tendril.net.Cidr;
import dev.tendril.net.IpAddress;
import dev.tendril.net.IpFamily;
import dev.tendril.policy.lb.LbCommand.ApplyService;
import dev.tendril.policy.lb.LbCommand.ApplySlice;
import dev.tendril.policy.lb.LbCommand.DeleteService;
import dev.tendril.policy.lb.LbCommand.DeleteSlice;
import dev.tendril.policy.lb.LbEvent.BackendId;
import dev.tendril.policy.lb.LbEvent.BackendsAllocated;
import dev.tendril.policy.lb.LbEvent.BackendsReleased;
import dev.tendril.policy.lb.LbEvent.EndpointSliceApplied;
import dev.tendril.policy.lb.LbEvent.EndpointSliceDeleted;
import dev.tendril.policy.lb.LbEvent.RevNat;
import dev.tendril.policy.lb.LbEvent.ServiceApplied;
import dev.tendril.policy.lb.LbEvent.ServiceDeleted;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Decides load-balancing commands against the state: validates what needs the state (addresses taken,
 * NodePorts taken, immutable fields, the Service a slice names) and allocates ClusterIPs (lowest free in the
 * family's service CIDR), NodePorts (lowest free in the range) and reverse-NAT indexes (lowest free from 1),
 * keeping every allocation a Service already holds. Owners and the lowest free values come from the state's
 * index of what the Services hold ({@link LbAllocations}), so a command costs O(log n) in the Services, not a
 * look at each. Backend ids are decided from the backends the controller found ({@link #backends}). A
 * refusal throws {@link LbRejected}; an unchanged object yields no event.
 */
public final class LbDecider {

    static final long MAX_BACKEND_ID = 0xFFFF_FFFFL;

    private final LbSettings settings;

    public LbDecider(LbSettings settings) {
        this.settings = settings;
    }

    public List<LbEvent> decide(LbCommand command, LbState state, long revision) {
        return switch (command) {
            case ApplyService a -> applyService(a.service(), state, revision);
            case DeleteService d -> {
                if (state.service(d.namespace() + "/" + d.name()).isEmpty()) {
                    throw new LbRejected(
                            404, "metadata.name", "Service " + d.namespace() + "/" + d.name() + " does not exist");
                }
                yield List.of(new ServiceDeleted(d.namespace(), d.name(), revision));
            }
            case ApplySlice a -> applySlice(a.slice(), state, revision);
            case DeleteSlice d -> {
                if (state.slice(d.namespace() + "/" + d.name()).isEmpty()) {
                    throw new LbRejected(
                            404,
                            "metadata.name",
                            "EndpointSlice " + d.namespace() + "/" + d.name() + " does not exist");
                }
                yield List.of(new EndpointSliceDeleted(d.namespace(), d.name(), revision));
            }
        };
    }

    /**
     * The backend id events that make {@code inUse} (every backend some Service has now) hold ids: new ones
     * for backends without, releases for ids no backend uses. Empty when nothing changes.
     */
    public List<LbEvent> backends(Set<BackendKey> inUse, LbState state, long revision) {
        Set<BackendKey> considered = new TreeSet<>(state.backendIds().keySet());
        considered.addAll(inUse);
        return backends(inUse::contains, considered, state, revision);
    }

    /**
     * As {@link #backends(Set, LbState, long)}, looking only at the backends {@code considered}: new ids for
     * those in use without one (lowest free first, in key order, reusing ids released by the same decision),
     * releases for those holding one that no Service uses. Decides as the whole would when every backend not
     * considered already holds an id exactly when it is in use.
     */
    public List<LbEvent> backends(
            Predicate<BackendKey> inUse, Collection<BackendKey> considered, LbState state, long revision) {
        Map<BackendKey, Long> ids = state.backendIds();
        List<BackendId> released = new ArrayList<>();
        TreeSet<Long> reusable = new TreeSet<>();
        Set<BackendKey> wanted = new TreeSet<>();
        for (BackendKey key : new TreeSet<>(considered)) {
            Long id = ids.get(key);
            boolean used = inUse.test(key);
            if (id != null && !used) {
                released.add(LbState.id(key, id));
                reusable.add(id);
            } else if (id == null && used) {
                wanted.add(key);
            }
        }
        List<BackendId> allocated = new ArrayList<>();
        Long gap = state.freeIds().isEmpty() ? null : state.freeIds().first();
        long beyond = state.highestId() + 1;
        for (BackendKey key : wanted) {
            long next = beyond;
            if (gap != null && gap < next) {
                next = gap;
            }
            if (!reusable.isEmpty() && reusable.first() < next) {
                next = reusable.pollFirst();
            } else if (next == beyond) {
                beyond++;
            } else {
                gap = state.freeIds().higher(gap);
            }
            if (next > MAX_BACKEND_ID) {
                throw new IllegalStateException("no backend id left");
            }
            allocated.add(LbState.id(key, next));
        }
        List<LbEvent> events = new ArrayList<>();
        if (!released.isEmpty()) {
            events.add(new BackendsReleased(released, revision));
        }
        if (!allocated.isEmpty()) {
            events.add(new BackendsAllocated(allocated, revision));
        }
        return events;
    }

    private List<LbEvent> applyService(ServiceSpec spec, LbState state, long revision) {
        if (!spec.type().equals(ServiceSpec.CLUSTER_IP) && !spec.type().equals(ServiceSpec.NODE_PORT)) {
            throw new LbRejected(
                    422, "spec.type", "type " + spec.type() + " is not supported (ClusterIP and NodePort are)");
        }
        if (spec.ports().isEmpty()) {
            throw new LbRejected(422, "spec.ports", "a Service needs at least one port");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < spec.ports().size(); i++) {
            ServicePort p = spec.ports().get(i);
            if (!seen.add(p.port() + "/" + p.protocol())) {
                throw new LbRejected(422, "spec.ports[" + i + "]", "duplicate port " + p.port() + "/" + p.protocol());
            }
            if (p.nodePort() != 0 && spec.type().equals(ServiceSpec.CLUSTER_IP)) {
                throw new LbRejected(
                        422, "spec.ports[" + i + "].nodePort", "a ClusterIP Service may not name a nodePort");
            }
        }
        Optional<ServiceApplied> existing = state.service(spec.key());
        LbAllocations held = state.allocations();

        List<IpFamily> families = families(spec);
        List<String> ips = clusterIps(spec, families, existing, held);
        List<ServicePort> ports = nodePorts(spec, existing, held);
        List<String> familyNames = families.stream().map(LbDecider::familyName).toList();
        int timeout = spec.affinity()
                ? (spec.affinityTimeoutSeconds() == 0 ? settings.affinityTimeout() : spec.affinityTimeoutSeconds())
                : 0;
        ServiceSpec allocated = new ServiceSpec(
                spec.namespace(),
                spec.name(),
                spec.type(),
                ips,
                ports,
                spec.selector(),
                spec.sessionAffinity(),
                timeout,
                spec.internalTrafficPolicy(),
                spec.externalTrafficPolicy(),
                familyNames,
                spec.ipFamilyPolicy(),
                spec.mesh());
        List<RevNat> revNats = LbFrontends.revNats(allocated, existing, held);
        if (existing.isPresent()
                && existing.get().service().equals(allocated)
                && existing.get().revNats().equals(revNats)) {
            return List.of();
        }
        return List.of(new ServiceApplied(allocated, revNats, revision));
    }

    /** The families the Service gets, primary first. */
    private static List<IpFamily> families(ServiceSpec spec) {
        IpFamily primary = IpFamily.IPV4;
        if (!spec.ipFamilies().isEmpty()) {
            primary = spec.ipFamilies().get(0).equals("IPv6") ? IpFamily.IPV6 : IpFamily.IPV4;
        } else if (!spec.clusterIPs().isEmpty()) {
            primary = parseIp(spec.clusterIPs().get(0), "spec.clusterIP").family();
        }
        String policy = spec.ipFamilyPolicy() == null || spec.ipFamilyPolicy().isEmpty()
                ? "SingleStack"
                : spec.ipFamilyPolicy();
        if (policy.equals("SingleStack")) {
            if (spec.ipFamilies().size() > 1) {
                throw new LbRejected(422, "spec.ipFamilies", "a SingleStack Service has one family");
            }
            return List.of(primary);
        }
        return List.of(primary, primary == IpFamily.IPV4 ? IpFamily.IPV6 : IpFamily.IPV4);
    }

    private List<String> clusterIps(
            ServiceSpec spec, List<IpFamily> families, Optional<ServiceApplied> existing, LbAllocations held) {
        List<String> given = spec.clusterIPs();
        if (given.size() > families.size()) {
            throw new LbRejected(
                    422,
                    "spec.clusterIPs",
                    "names " + given.size() + " addresses for " + families.size() + " families");
        }
        List<String> before = existing.map(e -> e.service().clusterIPs()).orElse(List.of());
        if (!given.isEmpty() && !before.isEmpty() && !given.get(0).equals(before.get(0))) {
            throw new LbRejected(
                    422,
                    "spec.clusterIP",
                    "is immutable: it is " + before.get(0) + ", the request says " + given.get(0));
        }
        // Taken: what other Services hold, and what this decision took already.
        TreeSet<IpAddress> own = new TreeSet<>();
        before.forEach(ip -> own.add(IpAddress.parse(ip)));
        Set<IpAddress> taken = new HashSet<>();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < families.size(); i++) {
            IpFamily family = families.get(i);
            String field = i == 0 ? "spec.clusterIP" : "spec.clusterIPs[" + i + "]";
            Cidr cidr = family == IpFamily.IPV4 ? settings.serviceCidr4() : settings.serviceCidr6();
            String wanted = i < given.size() ? given.get(i) : null;
            if (wanted == null) {
                wanted = before.stream()
                        .filter(ip -> IpAddress.parse(ip).family() == family)
                        .findFirst()
                        .orElse(null);
            }
            if (wanted != null) {
                IpAddress ip = parseIp(wanted, field);
                if (ip.family() != family) {
                    throw new LbRejected(422, field, wanted + " is not of family " + familyName(family));
                }
                if (!cidr.contains(ip) || ip.equals(cidr.network()) || ip.equals(cidr.last())) {
                    throw new LbRejected(422, field, wanted + " is outside the service CIDR " + cidr);
                }
                String owner = held.clusterIpOwner(ip);
                if (owner != null && !owner.equals(spec.key())) {
                    throw new LbRejected(409, field, wanted + " is taken by Service " + owner);
                }
                out.add(ip.toString());
                taken.add(ip);
            } else {
                IpAddress ip = lowestFree(cidr, held.takenClusterIps(), own, taken, field);
                out.add(ip.toString());
                taken.add(ip);
            }
        }
        return out;
    }

    /** The lowest address at an offset from 1 to below the CIDR's host count (at most 2^63 - 1) that is free. */
    private static IpAddress lowestFree(
            Cidr cidr, TakenRuns<IpAddress> held, TreeSet<IpAddress> own, Set<IpAddress> taken, String field) {
        long hosts = cidr.hostBits() >= 62 ? Long.MAX_VALUE : (1L << cidr.hostBits()) - 1;
        IpAddress free = hosts < 2 ? null : held.lowestFree(cidr.addressAt(1), own, taken);
        if (free == null || free.compareTo(cidr.addressAt(hosts - 1)) > 0) {
            throw new LbRejected(409, field, "the service CIDR " + cidr + " has no free address");
        }
        return free;
    }

    private List<ServicePort> nodePorts(ServiceSpec spec, Optional<ServiceApplied> existing, LbAllocations held) {
        if (!spec.type().equals(ServiceSpec.NODE_PORT)) {
            return spec.ports();
        }
        // Taken: what other Services hold (the index), and what this decision took already.
        Set<String> taken = new HashSet<>();
        List<ServicePort> before = existing.map(e -> e.service().ports()).orElse(List.of());
        List<ServicePort> out = new ArrayList<>(spec.ports());
        for (int i = 0; i < out.size(); i++) {
            ServicePort p = out.get(i);
            if (p.nodePort() == 0) {
                continue;
            }
            String field = "spec.ports[" + i + "].nodePort";
            if (p.nodePort() < settings.nodePortMin() || p.nodePort() > settings.nodePortMax()) {
                throw new LbRejected(
                        409,
                        field,
                        p.nodePort() + " is outside the NodePort range " + settings.nodePortMin() + "-"
                                + settings.nodePortMax());
            }
            String key = LbAllocations.nodePortKey(p.nodePort(), p.protocol());
            String owner = held.nodePortOwner(p.nodePort(), p.protocol());
            if (owner != null && !owner.equals(spec.key())) {
                throw new LbRejected(409, field, "NodePort " + key + " is taken by Service " + owner);
            }
            if (!taken.add(key)) {
                throw new LbRejected(409, field, "NodePort " + key + " is named twice");
            }
        }
        for (int i = 0; i < out.size(); i++) {
            ServicePort p = out.get(i);
            if (p.nodePort() != 0) {
                continue;
            }
            int kept = before.stream()
                    .filter(b -> b.port() == p.port() && b.protocol().equals(p.protocol()) && b.nodePort() != 0)
                    .mapToInt(ServicePort::nodePort)
                    .findFirst()
                    .orElse(0);
            if (kept != 0
                    && heldByOther(held, spec, kept, p.protocol()) == null
                    && taken.add(LbAllocations.nodePortKey(kept, p.protocol()))) {
                out.set(i, p.withNodePort(kept));
                continue;
            }
            TreeSet<Integer> own = new TreeSet<>();
            Set<Integer> takenHere = new HashSet<>();
            before.forEach(b -> {
                if (b.nodePort() != 0 && b.protocol().equals(p.protocol())) {
                    own.add(b.nodePort());
                }
            });
            taken.forEach(k -> {
                if (k.endsWith("/" + p.protocol())) {
                    takenHere.add(Integer.parseInt(k.substring(0, k.indexOf('/'))));
                }
            });
            Integer candidate = held.takenNodePorts(p.protocol()).lowestFree(settings.nodePortMin(), own, takenHere);
            if (candidate == null || candidate > settings.nodePortMax()) {
                throw new LbRejected(409, "spec.ports[" + i + "].nodePort", "no NodePort left in the range");
            }
            taken.add(LbAllocations.nodePortKey(candidate, p.protocol()));
            out.set(i, p.withNodePort(candidate));
        }
        return out;
    }

    /** The other Service holding the NodePort, null when none does. */
    private static String heldByOther(LbAllocations held, ServiceSpec spec, int nodePort, String protocol) {
        String owner = held.nodePortOwner(nodePort, protocol);
        return owner == null || owner.equals(spec.key()) ? null : owner;
    }

    private static List<LbEvent> applySlice(SliceSpec slice, LbState state, long revision) {
        String label = "metadata.labels[kubernetes.io/service-name]";
        if (slice.service().isEmpty()) {
            throw new LbRejected(422, label, "an EndpointSlice must name its Service in this label");
        }
        if (state.service(slice.namespace() + "/" + slice.service()).isEmpty()) {
            throw new LbRejected(
                    422,
                    label,
                    "names Service " + slice.namespace() + "/" + slice.service() + ", which does not exist");
        }
        IpFamily family = switch (slice.addressType()) {
            case "IPv4" -> IpFamily.IPV4;
            case "IPv6" -> IpFamily.IPV6;
            default ->
                throw new LbRejected(
                        422,
                        "addressType",
                        "addressType " + slice.addressType() + " is not supported (IPv4, IPv6 are)");
        };
        for (int i = 0; i < slice.endpoints().size(); i++) {
            List<String> addresses = slice.endpoints().get(i).addresses();
            for (int j = 0; j < addresses.size(); j++) {
                String field = "endpoints[" + i + "].addresses[" + j + "]";
                IpAddress ip = parseIp(addresses.get(j), field);
                if (ip.family() != family) {
                    throw new LbRejected(
                            422, field, addresses.get(j) + " is not an " + slice.addressType() + " address");
                }
            }
        }
        Optional<EndpointSliceApplied> existing = state.slice(slice.key());
        if (existing.isPresent() && existing.get().slice().equals(slice)) {
            return List.of();
        }
        return List.of(new EndpointSliceApplied(slice, revision));
    }

    private static IpAddress parseIp(String text, String field) {
        IpAddress ip = IpAddress.parseOrNull(text);
        if (ip == null) {
            throw new LbRejected(422, field, "'" + text + "' is not an IP address");
        }
        return ip;
    }

    static String familyName(IpFamily family) {
        return family == IpFamily.IPV4 ? "IPv4" : "IPv6";
    }
}
