package dev.tendril.identity.adapters.kafka;

import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Label;
import dev.tendril.api.v1.NamedPort;
import dev.tendril.identity.domain.EndpointSpec;
import dev.tendril.k8s.labels.Labels;

/** Domain values to the protobuf messages of the topics (api/ tendril/v1/identity.proto). */
public final class ProtoMapping {

    private ProtoMapping() {}

    public static Identity identity(long id, Labels labels) {
        Identity.Builder builder = Identity.newBuilder().setId((int) id);
        labels.labels()
                .forEach(l -> builder.addLabels(
                        Label.newBuilder().setSource(l.source()).setKey(l.key()).setValue(l.value())));
        return builder.build();
    }

    public static Endpoint endpoint(dev.tendril.identity.domain.Endpoint endpoint) {
        EndpointSpec spec = endpoint.spec();
        Endpoint.Builder builder = Endpoint.newBuilder()
                .setNamespace(spec.namespace())
                .setPod(spec.pod())
                .setUid(spec.uid())
                .setNode(spec.node())
                .setIpv4(spec.ips().ipv4() == null ? "" : spec.ips().ipv4())
                .setIpv6(spec.ips().ipv6() == null ? "" : spec.ips().ipv6())
                .setIdentity((int) endpoint.identity())
                .putAllLabels(spec.labels())
                .setServiceAccount(spec.serviceAccount())
                .setTerminating(endpoint.terminating());
        spec.namedPorts()
                .forEach(p -> builder.addNamedPorts(NamedPort.newBuilder()
                        .setName(p.name())
                        .setPort(p.port())
                        .setProtocol(p.protocol())));
        return builder.build();
    }
}
