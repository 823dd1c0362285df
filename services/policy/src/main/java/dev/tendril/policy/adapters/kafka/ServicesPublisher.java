package dev.tendril.policy.adapters.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.tendril.api.v1.LbBackend;
import dev.tendril.api.v1.LbFrontend;
import dev.tendril.api.v1.ServiceMaps;
import dev.tendril.policy.lb.MeshScope;
import dev.tendril.policy.lb.ServiceLb;
import java.util.Map;

/**
 * Publishes Services to the compacted topic {@code tendril.services} (one partition): key
 * {@code namespace/name}, value {@code ServiceMaps} carrying the Service's revision, a tombstone when the
 * Service is gone (see {@link KeyedTopicPublisher}).
 */
public final class ServicesPublisher extends KeyedTopicPublisher<String, ServiceLb, ServiceMaps> {

    public ServicesPublisher(Map<String, Object> kafka, String topic) {
        super(kafka, topic, 1, sent -> {});
    }

    @Override
    protected String key(ServiceLb value) {
        return value.key();
    }

    @Override
    protected String parseKey(String recordKey) {
        return recordKey;
    }

    @Override
    protected Published<ServiceMaps> parse(byte[] record) throws InvalidProtocolBufferException {
        ServiceMaps value = ServiceMaps.parseFrom(record);
        return new Published<>(value.toBuilder().clearRevision().build(), value.getRevision());
    }

    @Override
    protected byte[] record(ServiceMaps content, long revision, long lbRevision) {
        return content.toBuilder().setRevision(revision).build().toByteArray();
    }

    /** The record value of a Service's content, revision 0. */
    @Override
    protected ServiceMaps content(ServiceLb s) {
        ServiceMaps.Builder b = ServiceMaps.newBuilder()
                .setNamespace(s.namespace())
                .setName(s.name())
                .setType(s.type())
                .addAllConditions(s.conditions())
                .setGlobal(s.mesh().global())
                .setShared(s.mesh().shared())
                .setAffinity(
                        s.mesh().affinity() == MeshScope.Affinity.NONE
                                ? ""
                                : s.mesh().affinity().annotation());
        for (ServiceLb.Frontend f : s.frontends()) {
            b.addFrontends(LbFrontend.newBuilder()
                    .setAddress(f.address())
                    .setPort(f.port())
                    .setProtocol(f.protocol())
                    .setPortName(f.portName())
                    .setRevNatIndex(f.revNatIndex())
                    .setFlags(f.flags())
                    .setFlags2(f.flags2())
                    .setAffinityTimeoutSeconds(f.affinityTimeoutSeconds())
                    .setNodeLocal(f.nodeLocal())
                    .addAllBackendIds(
                            f.backendIds().stream().map(Long::intValue).toList()));
        }
        for (ServiceLb.Backend be : s.backends()) {
            b.addBackends(LbBackend.newBuilder()
                    .setId((int) be.id())
                    .setAddress(be.address())
                    .setPort(be.port())
                    .setProtocol(be.protocol())
                    .setState(be.state())
                    .setNode(be.node())
                    .setPod(be.pod())
                    .setCluster(be.cluster())
                    .setClusterId(be.clusterId())
                    .addAllPortNames(be.portNames()));
        }
        return b.build();
    }
}
