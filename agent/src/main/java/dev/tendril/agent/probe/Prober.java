package dev.tendril.agent.probe;

import dev.tendril.agent.state.LocalEndpoint;
import dev.tendril.api.hubble.flow.DropReason;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.Datapath;
import dev.tendril.datapath.MatchType;
import dev.tendril.datapath.Verdict;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.lb.LoadBalancer;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.PolicyMap;
import dev.tendril.datapath.policymap.PolicyMapKey;
import java.net.InetAddress;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Answers probes as the datapath will decide them: the source endpoint's egress on its node's maps
 * (the destination's identity from that node's ipcache), then, if the packet leaves, the destination
 * endpoint's ingress on the destination's node's maps (the source's identity from that node's ipcache).
 * A probe whose source is another node's endpoint is forwarded to that node; the ingress half of a
 * destination on another node is asked of that node. Every decision taken here is one flow record.
 *
 * <p>A destination address that is a Service frontend (a ClusterIP and port, or a node address and NodePort)
 * is first translated by the model socket-LB over the source's node's LB maps, as the node's cgroup programs
 * translate a connect: policy is then decided for the backend chosen, and the answer names the Service. The
 * backend is chosen from a hash of the probe's 5-tuple, so the same probe (the same source port) meets the
 * same backend. A frontend without backends is refused: dropped with 158, Service backend not found.
 */
public final class Prober {

    /** The range of Linux's default {@code ip_local_port_range}, from which probe source ports come. */
    public static final int EPHEMERAL_FIRST = 32_768;

    public static final int EPHEMERAL_LAST = 60_999;

    // The kernel finds no entry in a missing map either: the endpoint drops (133), as while regenerating.
    private static final PolicyMap NO_MAP = PolicyMap.inMemory("cilium_policy_v2_none", PolicyMap.MIN_MAX_ENTRIES);

    /** The answer, and whether it came from the source's node rather than from here. */
    public record Outcome(ProbeResponse response, boolean forwarded) {}

    private final NodeView view;
    private final PeerClient peers;
    private final FlowSink flows;
    private final Clock clock;
    private final AtomicLong ports = new AtomicLong();
    private final PartyResolver parties;
    private final ServiceLookup services;

    public Prober(NodeView view, PeerClient peers, FlowSink flows, Clock clock) {
        this.view = view;
        this.peers = peers;
        this.flows = flows;
        this.clock = clock;
        this.parties = new PartyResolver(view);
        this.services = new ServiceLookup(view);
    }

    /**
     * @param forwarded true when another agent forwarded the probe here: its source must then be local
     * @throws ProbeException 400 invalid, 404 unknown pod, 409 the nodes disagree on the source's node,
     *     422 no address to use, 502/503 a peer failed
     */
    public Outcome probe(ProbeRequest request, boolean forwarded) {
        ProbeRequest.Probe probe = request.validate();
        Party from = parties.resolve("from", probe.from());
        Party to = parties.resolve("to", probe.to());
        if (from.isEndpoint() && !from.node().equals(view.nodeName())) {
            if (forwarded) {
                throw new ProbeException(
                        409,
                        "from",
                        "from: " + from.key() + " is on node " + from.node() + " as far as " + view.nodeName()
                                + " knows, which was asked by another agent for it");
            }
            return new Outcome(peers.forward(from.node(), request), true);
        }
        InetAddress[] ips = PartyResolver.addresses(from, to);
        InetAddress srcIp = ips[0];
        InetAddress dstIp = ips[1];
        ProbeResponse.Service service = null;
        if (!to.isEndpoint()) {
            Optional<LoadBalancer.Translation> t =
                    services.translate(from, localId(from), srcIp, peekSourcePort(), dstIp, probe);
            if (t.isPresent() && t.get() instanceof LoadBalancer.NoBackends none) {
                return new Outcome(noBackends(from, srcIp, to, dstIp, probe, none), false);
            }
            if (t.isPresent() && t.get() instanceof LoadBalancer.Translated chosen) {
                InetAddress backendIp = chosen.backend().address();
                service = new ProbeResponse.Service(
                        services.name(chosen.revNatIndex()),
                        chosen.frontend().frontend(),
                        IpcacheKey.format(dstIp),
                        probe.port(),
                        chosen.backend().endpoint(),
                        chosen.backendId(),
                        chosen.slot(),
                        chosen.fromAffinity());
                to = parties.resolve("to", new Target.Address(backendIp));
                dstIp = backendIp;
                probe = new ProbeRequest.Probe(
                        probe.from(),
                        new Target.Address(backendIp),
                        chosen.backend().port(),
                        probe.protocol());
            }
        }
        ProbeResponse answer = answer(probe, from, to, srcIp, dstIp);
        return new Outcome(service == null ? answer : answer.withService(service), false);
    }

    private ProbeResponse answer(ProbeRequest.Probe probe, Party from, Party to, InetAddress srcIp, InetAddress dstIp) {
        if ((from.isEndpoint() && from.key().equals(to.key())) || srcIp.equals(dstIp)) {
            ProbeResponse.End end = end(from, srcIp);
            return new ProbeResponse("FORWARDED", true, end, end(to, dstIp), null, null);
        }
        if (!from.isEndpoint() && !to.isEndpoint()) {
            throw new ProbeException(
                    422,
                    "to",
                    "neither " + IpcacheKey.format(srcIp) + " nor " + IpcacheKey.format(dstIp)
                            + " is an endpoint of the cluster: no policy applies");
        }
        int sourcePort = nextSourcePort();
        ProbeResponse.Half egress = null;
        if (from.isEndpoint()) {
            LocalEndpoint local = local(from, "from");
            Verdict v = decide(local, view.resolveIdentity(dstIp), Direction.EGRESS, probe);
            egress = half(v, local);
            emit(v, egress, local, from, srcIp, to, dstIp, probe, sourcePort);
        }
        ProbeResponse.Half ingress = null;
        ProbeResponse.End toEnd = end(to, dstIp);
        if (to.isEndpoint() && (egress == null || !egress.dropped())) {
            if (to.node().equals(view.nodeName())) {
                ingress = ingressHere(from, srcIp, to, dstIp, probe, sourcePort);
            } else {
                ProbeResponse.IngressResponse answer = peers.ingress(
                        to.node(),
                        new ProbeResponse.IngressRequest(
                                end(from, srcIp),
                                to.key(),
                                IpcacheKey.format(dstIp),
                                probe.port(),
                                probe.protocolName(),
                                sourcePort));
                ingress = answer.ingress();
                toEnd = answer.to() == null ? toEnd : answer.to();
            }
        }
        boolean dropped = (egress != null && egress.dropped()) || (ingress != null && ingress.dropped());
        return new ProbeResponse(dropped ? "DROPPED" : "FORWARDED", false, end(from, srcIp), toEnd, egress, ingress);
    }

    private ProbeResponse noBackends(
            Party from,
            InetAddress srcIp,
            Party to,
            InetAddress dstIp,
            ProbeRequest.Probe probe,
            LoadBalancer.NoBackends none) {
        ProbeResponse.Half egress = null;
        if (from.isEndpoint()) {
            LocalEndpoint local = local(from, "from");
            egress = new ProbeResponse.Half(
                    "DROPPED",
                    DropReason.SERVICE_BACKEND_NOT_FOUND.name(),
                    LoadBalancer.DROP_NO_SERVICE,
                    null,
                    List.of(),
                    false,
                    to.identity(),
                    local.endpointId(),
                    view.nodeName());
        }
        return new ProbeResponse("DROPPED", false, end(from, srcIp), end(to, dstIp), egress, null)
                .withService(new ProbeResponse.Service(
                        services.name(none.revNatIndex()),
                        none.frontend().frontend(),
                        IpcacheKey.format(dstIp),
                        probe.port(),
                        null,
                        null,
                        null,
                        false));
    }

    /**
     * The ingress half for a destination of this node, asked by the source's node.
     *
     * @throws ProbeException 400 invalid, 404 unknown destination, 409 the destination is not on this node
     */
    public ProbeResponse.IngressResponse ingress(ProbeResponse.IngressRequest request) {
        if (request.source() == null) {
            throw ProbeException.invalid("source", "is required");
        }
        if (!(Target.parse("destination", request.destination()) instanceof Target.Pod pod)) {
            throw ProbeException.invalid("destination", "must be namespace/pod");
        }
        Party to = parties.resolve("destination", pod);
        if (!to.node().equals(view.nodeName())) {
            throw new ProbeException(
                    409,
                    "destination",
                    "destination: " + to.key() + " is on node " + to.node() + ", not on " + view.nodeName());
        }
        InetAddress dstIp = ip("destinationIp", request.destinationIp());
        InetAddress srcIp = ip("source", request.source().ip());
        int port = request.port();
        if (port < 1 || port > 65_535) {
            throw ProbeException.invalid("port", "must be 1..65535, got " + port);
        }
        ProbeRequest.Probe probe =
                new ProbeRequest.Probe(new Target.Address(srcIp), pod, port, ProbeRequest.protocol(request.protocol()));
        Party from = request.source().endpoint() == null
                ? parties.address(srcIp)
                : parties.endpointParty(request.source().endpoint()).orElseGet(() -> parties.address(srcIp));
        ProbeResponse.Half half = ingressHere(from, srcIp, to, dstIp, probe, request.sourcePort());
        return new ProbeResponse.IngressResponse(end(to, dstIp), half);
    }

    private ProbeResponse.Half ingressHere(
            Party from, InetAddress srcIp, Party to, InetAddress dstIp, ProbeRequest.Probe probe, int sourcePort) {
        LocalEndpoint local = local(to, "to");
        Verdict v = decide(local, view.resolveIdentity(srcIp), Direction.INGRESS, probe);
        ProbeResponse.Half half = half(v, local);
        emit(v, half, local, from, srcIp, to, dstIp, probe, sourcePort);
        return half;
    }

    private Verdict decide(LocalEndpoint local, long remote, Direction direction, ProbeRequest.Probe probe) {
        PolicyMap map = view.policyMap(local).orElse(NO_MAP);
        return Datapath.decide(map, remote, direction, probe.protocol(), probe.port());
    }

    private ProbeResponse.Half half(Verdict v, LocalEndpoint local) {
        List<String> policies = provenance(view.image().policies().get(local.identity()), v);
        return new ProbeResponse.Half(
                v.verdict().name(),
                v.dropped() ? hubbleDropReason(v) : null,
                v.dropped() ? v.dropReason().code() : null,
                v.matchType() == MatchType.NONE ? null : v.matchType().label(),
                policies,
                v.matchType() == MatchType.NONE,
                v.remoteIdentity(),
                local.endpointId(),
                view.nodeName());
    }

    /**
     * The policies behind the entry that decided, as the policy service published them with the subject's
     * map; for a drop without an entry, the policies that make the subject default-deny in that direction.
     */
    public static List<String> provenance(SubjectPolicyMap map, Verdict v) {
        if (map == null) {
            return List.of();
        }
        if (v.matchedKey() == null) {
            return List.copyOf(
                    v.direction() == Direction.INGRESS
                            ? map.getIngressEnforcedByList()
                            : map.getEgressEnforcedByList());
        }
        for (var entry : map.getEntriesList()) {
            if (entry.getKey().size() == PolicyMapKey.SIZE
                    && PolicyMapKey.decode(entry.getKey().toByteArray()).equals(v.matchedKey())) {
                return List.copyOf(entry.getPoliciesList());
            }
        }
        return List.of();
    }

    /** Hubble's {@code flow.DropReason} name of the code (the same names as libs/datapath's for policy drops). */
    private static String hubbleDropReason(Verdict v) {
        DropReason hubble = DropReason.forNumber(v.dropReason().code());
        return hubble == null ? v.dropReason().name() : hubble.name();
    }

    private void emit(
            Verdict v,
            ProbeResponse.Half half,
            LocalEndpoint local,
            Party from,
            InetAddress srcIp,
            Party to,
            InetAddress dstIp,
            ProbeRequest.Probe probe,
            int sourcePort) {
        boolean egress = v.direction() == Direction.EGRESS;
        SubjectPolicyMap subject = view.image().policies().get(local.identity());
        long revision = subject == null ? 0 : subject.getPolicyRevision();
        FlowRecords.Peer src = egress
                ? peer(from, local.endpointId(), local.identity())
                : peer(from, localId(from), v.remoteIdentity());
        FlowRecords.Peer dst =
                egress ? peer(to, localId(to), v.remoteIdentity()) : peer(to, local.endpointId(), local.identity());
        Flow verdict = FlowRecords.policyVerdict(
                clock.instant(),
                view.nodeName(),
                v,
                half.policies(),
                revision,
                srcIp,
                dstIp,
                probe.protocol(),
                sourcePort,
                probe.port(),
                src,
                dst);
        FlowRecords.policyDecision(verdict).forEach(flows::emit);
    }

    private FlowRecords.Peer peer(Party p, int endpointId, long identity) {
        return new FlowRecords.Peer(
                endpointId,
                identity,
                p.namespace(),
                p.pod(),
                FlowRecords.labels(identity, view.identity(identity), p.podLabels(), p.namespace()),
                p.cluster() != null ? p.cluster() : p.isEndpoint() ? FlowRecords.clusterOf(view.image(), p.node()) : "",
                FlowRecords.workloads(p.pod(), p.podLabels()));
    }

    private int localId(Party p) {
        if (!p.isEndpoint() || !p.node().equals(view.nodeName())) {
            return 0;
        }
        return view.localEndpoints().stream()
                .filter(e -> e.key().equals(p.key()))
                .mapToInt(LocalEndpoint::endpointId)
                .findFirst()
                .orElse(0);
    }

    private LocalEndpoint local(Party p, String field) {
        return view.localEndpoints().stream()
                .filter(e -> e.key().equals(p.key()))
                .findFirst()
                .orElseThrow(() -> new ProbeException(
                        503,
                        field,
                        field + ": " + p.key() + " is on " + view.nodeName()
                                + " but has no endpoint id (yet): its maps are not written"));
    }

    private int peekSourcePort() {
        int span = EPHEMERAL_LAST - EPHEMERAL_FIRST + 1;
        return EPHEMERAL_FIRST + (int) (ports.get() % span);
    }

    private int nextSourcePort() {
        int span = EPHEMERAL_LAST - EPHEMERAL_FIRST + 1;
        return EPHEMERAL_FIRST + (int) (ports.getAndIncrement() % span);
    }

    private static InetAddress ip(String field, String literal) {
        if (!(Target.parse(field, literal) instanceof Target.Address a)) {
            throw ProbeException.invalid(field, "must be an IP address");
        }
        return a.ip();
    }

    private static ProbeResponse.End end(Party p, InetAddress ip) {
        return new ProbeResponse.End(p.key(), IpcacheKey.format(ip), p.identity(), p.node());
    }
}
