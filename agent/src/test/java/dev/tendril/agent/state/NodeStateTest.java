package dev.tendril.agent.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Label;
import dev.tendril.api.v1.Node;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.api.v1.SubjectPolicyRevision;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeStateTest {

    static final Identity FRONTEND = identity(1001, "app", "frontend");
    static final Identity BACKEND = identity(1002, "app", "backend");
    static final Identity DB = identity(1003, "app", "db");
    static final Endpoint FE_1 = endpoint("shop", "fe-1", "node-1", "10.0.1.5", "fd00::105", 1001);
    static final Endpoint BE_1 = endpoint("shop", "be-1", "node-2", "10.0.2.7", "", 1002);
    static final Endpoint BE_1_MOVED = endpoint("shop", "be-1", "node-2", "10.0.2.7", "", 1003);
    static final Node NODE_1 = node("node-1", "192.168.0.11");
    static final Node NODE_2 = node("node-2", "192.168.0.12");

    static final NodeImage IMAGE1 = new NodeImage(
            Map.of(1001L, FRONTEND, 1002L, BACKEND),
            Map.of("shop/fe-1", FE_1, "shop/be-1", BE_1),
            Map.of("node-1", NODE_1));

    /** IMAGE1 after: db allocated, be-1 relabelled to db, backend released, fe-1 gone, node-2 joined. */
    static final NodeImage IMAGE2 = new NodeImage(
            Map.of(1001L, FRONTEND, 1003L, DB),
            Map.of("shop/be-1", BE_1_MOVED),
            Map.of("node-1", NODE_1, "node-2", NODE_2));

    static final List<StateRecord> DELTA1 = List.of(
            new StateRecord(StateTopic.IDENTITIES, "1003", DB.toByteArray()),
            new StateRecord(StateTopic.ENDPOINTS, "shop/be-1", BE_1_MOVED.toByteArray()),
            new StateRecord(StateTopic.IDENTITIES, "1002", null),
            new StateRecord(StateTopic.ENDPOINTS, "shop/fe-1", FE_1.toByteArray()),
            new StateRecord(StateTopic.ENDPOINTS, "shop/fe-1", null),
            new StateRecord(StateTopic.NODES, "node-2", NODE_2.toByteArray()));

    @Test
    void image1PlusDeltaRecordsIsImage2() {
        NodeDelta delta = new NodeDelta(IMAGE1);
        DELTA1.forEach(delta::replay);
        assertThat(delta.apply()).isEqualTo(IMAGE2);
        assertThat(delta.replayed()).isEqualTo(DELTA1.size());
    }

    @Test
    void imageToRecordsToImageRoundTrips() {
        for (NodeImage image : List.of(NodeImage.EMPTY, IMAGE1, IMAGE2)) {
            NodeDelta delta = new NodeDelta(NodeImage.EMPTY);
            image.toRecords().forEach(delta::replay);
            assertThat(delta.apply()).isEqualTo(image);
        }
    }

    @Test
    void applyReusesMapsOfTopicsWithoutRecords() {
        NodeDelta delta = new NodeDelta(IMAGE1);
        delta.replay(StateTopic.NODES, "node-2", NODE_2.toByteArray());
        NodeImage next = delta.apply();
        assertThat(next.identities()).isSameAs(IMAGE1.identities());
        assertThat(next.endpoints()).isSameAs(IMAGE1.endpoints());
        assertThat(next.nodes()).containsOnlyKeys("node-1", "node-2");
        assertThat(IMAGE1.nodes()).containsOnlyKeys("node-1");
    }

    @Test
    void tombstoneForUnknownKeyChangesNothing() {
        NodeDelta delta = new NodeDelta(IMAGE1);
        delta.replay(StateTopic.ENDPOINTS, "shop/nope", null);
        assertThat(delta.apply()).isEqualTo(IMAGE1);
    }

    @Test
    void rejectsBadKeysAndValuesWithoutChangingTheDelta() {
        NodeDelta delta = new NodeDelta(IMAGE1);
        assertThatThrownBy(() -> delta.replay(StateTopic.IDENTITIES, "abc", DB.toByteArray()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("decimal");
        assertThatThrownBy(() -> delta.replay(StateTopic.NODES, "node-3", new byte[] {(byte) 0xFF, 0x01}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("protobuf");
        assertThat(delta.replayed()).isZero();
        assertThat(delta.apply()).isEqualTo(IMAGE1);
    }

    @Test
    void policyMapsKeepTheHighestRevisionAndGoOnTombstone() {
        SubjectPolicyMap rev1 =
                SubjectPolicyMap.newBuilder().setSubject(1001).setRevision(1).build();
        SubjectPolicyMap rev2 = SubjectPolicyMap.newBuilder()
                .setSubject(1001)
                .setRevision(2)
                .addIngressEnforcedBy("x")
                .build();
        NodeDelta first = new NodeDelta(IMAGE1);
        first.replay(StateTopic.POLICY, "1001", rev2.toByteArray());
        first.replay(StateTopic.POLICY, "1001", rev1.toByteArray());
        NodeImage withPolicy = first.apply();
        assertThat(withPolicy.policies()).isEqualTo(Map.of(1001L, rev2));

        // Also across images: a re-delivered older record does not win over the image's.
        NodeDelta redelivered = new NodeDelta(withPolicy);
        redelivered.replay(StateTopic.POLICY, "1001", rev1.toByteArray());
        assertThat(redelivered.apply().policies()).isEqualTo(Map.of(1001L, rev2));

        NodeDelta gone = new NodeDelta(withPolicy);
        gone.replay(StateTopic.POLICY, "1001", null);
        assertThat(gone.apply().policies()).isEmpty();
        assertThat(gone.apply().identities()).isSameAs(withPolicy.identities());

        NodeDelta roundTrip = new NodeDelta(NodeImage.EMPTY);
        withPolicy.toRecords().forEach(roundTrip::replay);
        assertThat(roundTrip.apply()).isEqualTo(withPolicy);
    }

    @Test
    void fetchedMapsEnterByTheRevisionRuleAndARevisionTombstoneRemovesTheSubjectsMap() {
        SubjectPolicyMap rev2 =
                SubjectPolicyMap.newBuilder().setSubject(1001).setRevision(2).build();
        SubjectPolicyMap rev1 =
                rev2.toBuilder().setRevision(1).addIngressEnforcedBy("x").build();
        NodeDelta fetched = new NodeDelta(IMAGE1);
        fetched.replayFetched(rev2);
        fetched.replayFetched(rev1);
        fetched.replay(
                StateTopic.POLICY_REVISIONS,
                0,
                7,
                "1001",
                SubjectPolicyRevision.newBuilder()
                        .setSubject(1001)
                        .setRevision(3)
                        .build()
                        .toByteArray());
        NodeImage held = fetched.apply();
        assertThat(held.policies()).isEqualTo(Map.of(1001L, rev2));
        assertThat(fetched.revisionChanges()).isEqualTo(Map.of(1001L, 3L));
        assertThat(fetched.replayed()).as("fetched maps are no records").isEqualTo(1);
        assertThat(held.provenance().next(StateTopic.POLICY_REVISIONS, 0)).isEqualTo(8);

        NodeDelta tombstone = new NodeDelta(held);
        tombstone.replay(StateTopic.POLICY_REVISIONS, "1001", null);
        assertThat(tombstone.apply().policies()).isEmpty();
        assertThat(tombstone.changes(StateTopic.POLICY).removed()).containsExactly(1001L);
        assertThat(tombstone.revisionChanges()).containsEntry(1001L, null);

        NodeDelta forgotten = new NodeDelta(held);
        forgotten.forgetPolicy(1001);
        assertThat(forgotten.apply().policies()).isEmpty();
    }

    @Test
    void imagesAreImmutable() {
        assertThatThrownBy(() -> IMAGE1.nodes().put("x", NODE_2)).isInstanceOf(UnsupportedOperationException.class);
        assertThat(NodeImage.EMPTY.isEmpty()).isTrue();
    }

    static Identity identity(long id, String key, String value) {
        return Identity.newBuilder()
                .setId((int) id)
                .addLabels(Label.newBuilder().setSource("k8s").setKey(key).setValue(value))
                .build();
    }

    static Endpoint endpoint(String ns, String pod, String node, String ipv4, String ipv6, int identity) {
        return Endpoint.newBuilder()
                .setNamespace(ns)
                .setPod(pod)
                .setUid(pod + "-uid")
                .setNode(node)
                .setIpv4(ipv4)
                .setIpv6(ipv6)
                .setIdentity(identity)
                .build();
    }

    static Node node(String name, String... ips) {
        return Node.newBuilder().setName(name).addAllIps(List.of(ips)).build();
    }
}
