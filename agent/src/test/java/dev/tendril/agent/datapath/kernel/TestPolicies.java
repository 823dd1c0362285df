package dev.tendril.agent.datapath.kernel;

import com.google.protobuf.ByteString;
import dev.tendril.api.v1.PolicyMapEntry;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;

/** Published policy maps ({@code SubjectPolicyMap}) written entry by entry, as the policy service publishes them. */
final class TestPolicies {

    private TestPolicies() {}

    /** Everything in and out: what a subject no policy selects gets. */
    static SubjectPolicyMap allowAll(long subject) {
        return SubjectPolicyMap.newBuilder()
                .setSubject((int) subject)
                .addEntries(entry(PolicyMapKey.anyProtocol(0, Direction.INGRESS), false, ""))
                .addEntries(entry(PolicyMapKey.anyProtocol(0, Direction.EGRESS), false, ""))
                .build();
    }

    static PolicyMapEntry entry(PolicyMapKey key, boolean deny, String policy) {
        PolicyMapValue value = deny ? PolicyMapValue.deny(key) : PolicyMapValue.allow(key);
        PolicyMapEntry.Builder b = PolicyMapEntry.newBuilder()
                .setKey(ByteString.copyFrom(key.encode()))
                .setValue(ByteString.copyFrom(value.encode()));
        if (!policy.isEmpty()) {
            b.addPolicies(policy);
        }
        return b.build();
    }
}
