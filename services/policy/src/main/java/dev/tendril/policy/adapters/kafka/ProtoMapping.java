package dev.tendril.policy.adapters.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.tendril.api.v1.LbBackend;
import dev.tendril.api.v1.PolicyMapEntry;
import dev.tendril.api.v1.ServiceMaps;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.k8s.labels.Label;
import dev.tendril.k8s.labels.LabelSource;
import dev.tendril.net.IpAddress;
import dev.tendril.policy.domain.EndpointInfo;
import dev.tendril.policy.domain.Identity;
import dev.tendril.policy.domain.NamedPort;
import dev.tendril.policy.domain.PolicyEntry;
import dev.tendril.policy.domain.PolicyRef;
import dev.tendril.policy.domain.Protocol;
import dev.tendril.policy.domain.SubjectPolicy;
import dev.tendril.policy.lb.RemoteService;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Protobuf records of the topics to and from the domain. */
public final class ProtoMapping {

    private ProtoMapping() {}

    /**
     * A tendril.identities value as a domain identity. CIDR label keys of IPv6 prefixes use {@code -} for
     * {@code :} on the wire, as Cilium writes them; the domain parses the colon form.
     *
     * @throws IllegalArgumentException for a record that is not an identity
     */
    public static Identity identity(String key, byte[] value) {
        dev.tendril.api.v1.Identity proto;
        try {
            proto = dev.tendril.api.v1.Identity.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not a tendril.v1.Identity: " + e.getMessage(), e);
        }
        long id = Integer.toUnsignedLong(proto.getId());
        if (id != Long.parseLong(key)) {
            throw new IllegalArgumentException("key " + key + " does not match identity " + id);
        }
        List<Label> labels = new ArrayList<>();
        for (dev.tendril.api.v1.Label l : proto.getLabelsList()) {
            String labelKey = l.getSource().equals(LabelSource.CIDR) ? cidrKeyFromWire(l.getKey()) : l.getKey();
            labels.add(new Label(l.getSource(), labelKey, l.getValue()));
        }
        return Identity.of(id, labels);
    }

    /** An identity id from a record key. */
    public static long identityKey(String key) {
        try {
            long id = Long.parseLong(key);
            if (id <= 0 || id > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("identity key " + key + " out of range");
            }
            return id;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("identity key '" + key + "' is not a number", e);
        }
    }

    /** A tendril.endpoints value; named ports with an unknown protocol or port are refused. */
    public static EndpointInfo endpoint(String key, byte[] value) {
        dev.tendril.api.v1.Endpoint proto;
        try {
            proto = dev.tendril.api.v1.Endpoint.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not a tendril.v1.Endpoint: " + e.getMessage(), e);
        }
        List<NamedPort> ports = new ArrayList<>();
        for (dev.tendril.api.v1.NamedPort p : proto.getNamedPortsList()) {
            Protocol protocol = switch (p.getProtocol().toUpperCase(Locale.ROOT)) {
                case "", "TCP" -> Protocol.TCP;
                case "UDP" -> Protocol.UDP;
                case "SCTP" -> Protocol.SCTP;
                default ->
                    throw new IllegalArgumentException(
                            "named port " + p.getName() + " has protocol " + p.getProtocol());
            };
            ports.add(new NamedPort(p.getName(), p.getPort(), protocol));
        }
        String namespace = proto.getNamespace();
        String pod = proto.getPod();
        if (namespace.isEmpty() || pod.isEmpty()) {
            int slash = key.indexOf('/');
            namespace = slash < 0 ? namespace : key.substring(0, slash);
            pod = slash < 0 ? pod : key.substring(slash + 1);
        }
        Set<IpAddress> addresses = new HashSet<>();
        for (String ip : List.of(proto.getIpv4(), proto.getIpv6())) {
            IpAddress address = ip.isEmpty() ? null : IpAddress.parseOrNull(ip);
            if (address != null) {
                addresses.add(address);
            }
        }
        return new EndpointInfo(
                namespace,
                pod,
                Integer.toUnsignedLong(proto.getIdentity()),
                proto.getLabelsMap(),
                ports,
                addresses,
                proto.getNode(),
                proto.getTerminating());
    }

    /** The published content of a subject, without revisions (those are added when it is sent). */
    /**
     * A ClusterMesh peer's tendril.services value ({@code <peer>.tendril.services}) as what a local global Service
     * may merge from it.
     *
     * @throws IllegalArgumentException for a record that is not a ServiceMaps
     */
    public static RemoteService remoteService(String peer, long clusterId, byte[] value) {
        ServiceMaps proto;
        try {
            proto = ServiceMaps.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not a tendril.v1.ServiceMaps: " + e.getMessage(), e);
        }
        List<RemoteService.Backend> backends = new ArrayList<>();
        for (LbBackend b : proto.getBackendsList()) {
            backends.add(new RemoteService.Backend(
                    b.getAddress(),
                    b.getPort(),
                    b.getProtocol(),
                    b.getState(),
                    b.getCluster(),
                    b.getNode(),
                    b.getPod(),
                    b.getPortNamesList()));
        }
        return new RemoteService(peer, (int) clusterId, proto.getGlobal(), proto.getShared(), backends);
    }

    public static SubjectPolicyMap content(SubjectPolicy subject) {
        SubjectPolicyMap.Builder b = SubjectPolicyMap.newBuilder().setSubject((int) subject.subject());
        for (PolicyEntry e : subject.entries().values()) {
            b.addEntries(PolicyMapEntry.newBuilder()
                    .setKey(com.google.protobuf.ByteString.copyFrom(e.key().encode()))
                    .setValue(com.google.protobuf.ByteString.copyFrom(e.value().encode()))
                    .addAllPolicies(
                            e.policies().stream().map(PolicyRef::toString).toList()));
        }
        b.addAllIngressEnforcedBy(refs(subject.enforcedBy().get(Direction.INGRESS)));
        b.addAllEgressEnforcedBy(refs(subject.enforcedBy().get(Direction.EGRESS)));
        return b.build();
    }

    /** The content part of a published record: revisions cleared. */
    public static SubjectPolicyMap withoutRevisions(SubjectPolicyMap published) {
        return published.toBuilder().setRevision(0).setPolicyRevision(0).build();
    }

    /**
     * The wire form of a CIDR label key, Cilium's spelling: IPv6 (RFC 5952 text) with colons as dashes and
     * a leading or trailing dash padded with 0 ({@code 2001-db8--0/32}), the one form the identity service
     * keeps besides the fully expanded one.
     */
    public static String cidrKeyToWire(String prefix) {
        if (prefix.contains(".")) {
            return prefix;
        }
        int slash = prefix.indexOf('/');
        String address = slash < 0 ? prefix : prefix.substring(0, slash);
        if (address.startsWith(":")) {
            address = "0" + address;
        }
        if (address.endsWith(":")) {
            address = address + "0";
        }
        return address.replace(':', '-') + (slash < 0 ? "" : prefix.substring(slash));
    }

    static String cidrKeyFromWire(String key) {
        return key.contains(".") ? key : key.replace('-', ':');
    }

    private static List<String> refs(Set<PolicyRef> refs) {
        return refs == null ? List.of() : refs.stream().map(PolicyRef::toString).toList();
    }
}
