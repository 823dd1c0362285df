package dev.tendril.agent.probe;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.tendril.api.hubble.flow.Policy;
import dev.tendril.api.v1.PolicyMapEntry;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.Datapath;
import dev.tendril.datapath.Verdict;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMap;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The policies a verdict is attributed to, found from the matched key in the published subject map. */
class ProvenanceTest {

    @Test
    void findsThePoliciesOfAPortRangeEntryFromTheKeyTheDatapathRebuilt() {
        SubjectPolicyMap.Builder published = SubjectPolicyMap.newBuilder()
                .setSubject(1000)
                .setRevision(1)
                .addIngressEnforcedBy("NetworkPolicy/demo/default-deny");
        PolicyMap map = PolicyMap.inMemory("cilium_policy_v2_1", 256);
        for (PolicyMapKey k : PolicyMapKey.portRange(1001, Direction.INGRESS, IpProtocol.TCP, 8000, 8099)) {
            map.put(k, PolicyMapValue.allow(k));
            published.addEntries(PolicyMapEntry.newBuilder()
                    .setKey(ByteString.copyFrom(k.encode()))
                    .setValue(ByteString.copyFrom(PolicyMapValue.allow(k).encode()))
                    .addPolicies("NetworkPolicy/demo/range"));
        }

        Verdict inRange = Datapath.decide(map, 1001, Direction.INGRESS, IpProtocol.TCP, 8050);
        Verdict outside = Datapath.decide(map, 1001, Direction.INGRESS, IpProtocol.TCP, 8100);

        assertThat(inRange.forwarded()).isTrue();
        assertThat(Prober.provenance(published.build(), inRange)).containsExactly("NetworkPolicy/demo/range");
        assertThat(outside.dropped()).isTrue();
        assertThat(Prober.provenance(published.build(), outside)).containsExactly("NetworkPolicy/demo/default-deny");
        assertThat(Prober.provenance(null, outside)).isEmpty();
    }

    @Test
    void parsesNamespacedAndClusterWidePolicyReferences() {
        record Case(String ref, String kind, String namespace, String name) {}
        for (Case c : List.of(
                new Case("NetworkPolicy/demo/web", "NetworkPolicy", "demo", "web"),
                new Case(
                        "CiliumClusterwideNetworkPolicy/baseline", "CiliumClusterwideNetworkPolicy", "", "baseline"))) {
            Policy p = FlowRecords.policy(c.ref(), 9);
            assertThat(p.getKind()).as(c.ref()).isEqualTo(c.kind());
            assertThat(p.getNamespace()).as(c.ref()).isEqualTo(c.namespace());
            assertThat(p.getName()).as(c.ref()).isEqualTo(c.name());
            assertThat(p.getRevision()).isEqualTo(9);
        }
    }
}
