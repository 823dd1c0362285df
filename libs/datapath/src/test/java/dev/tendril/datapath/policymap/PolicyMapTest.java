package dev.tendril.datapath.policymap;

import static dev.tendril.datapath.policymap.Direction.INGRESS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.datapath.maps.BpfMapException;
import dev.tendril.datapath.maps.Errno;
import dev.tendril.datapath.maps.HashMapInMemory;
import dev.tendril.datapath.maps.MapSpec;
import org.junit.jupiter.api.Test;

class PolicyMapTest {

    @Test
    void storesAndListsDecodedEntries() {
        PolicyMap map = PolicyMap.inMemory("cilium_policy_v2_00001", PolicyMap.MIN_MAX_ENTRIES);
        PolicyMapKey k1 = PolicyMapKey.of(1001, INGRESS, IpProtocol.TCP, 80);
        PolicyMapKey k2 = PolicyMapKey.anyProtocol(0, INGRESS);
        map.put(k1, PolicyMapValue.allow(k1));
        map.put(k2, PolicyMapValue.deny(k2));
        assertThat(map.entries()).containsOnlyKeys(k1, k2);
        assertThat(map.entries().get(k2).deny()).isTrue();
        assertThat(map.size()).isEqualTo(2);
        assertThat(map.remove(k1)).isTrue();
        assertThat(map.get(k1)).isEmpty();
    }

    @Test
    void getIsExactWhileLookupMatchesTheLongestPrefix() {
        PolicyMap map = PolicyMap.inMemory("p", PolicyMap.MIN_MAX_ENTRIES);
        PolicyMapKey tcp = PolicyMapKey.anyPort(7, INGRESS, IpProtocol.TCP);
        map.put(tcp, PolicyMapValue.allow(tcp));
        PolicyMapKey exact = PolicyMapKey.of(7, INGRESS, IpProtocol.TCP, 443);
        assertThat(map.get(exact)).isEmpty();
        assertThat(map.lookup(exact)).contains(PolicyMapValue.allow(tcp));
        assertThat(map.get(tcp)).contains(PolicyMapValue.allow(tcp));
    }

    @Test
    void refusesAValueWhosePrefixLengthDiffersFromItsKey() {
        PolicyMap map = PolicyMap.inMemory("p", PolicyMap.MIN_MAX_ENTRIES);
        PolicyMapKey exact = PolicyMapKey.of(7, INGRESS, IpProtocol.TCP, 443);
        assertThatThrownBy(() -> map.put(exact, PolicyMapValue.allow(PolicyMapKey.anyProtocol(7, INGRESS))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("l4PrefixLength 0 must equal the key's 24");
    }

    @Test
    void fullPolicyMapIsAnEnospcError() {
        PolicyMap map = PolicyMap.inMemory("p", PolicyMap.MIN_MAX_ENTRIES);
        for (int id = 1; id <= PolicyMap.MIN_MAX_ENTRIES; id++) {
            PolicyMapKey k = PolicyMapKey.anyProtocol(id, INGRESS);
            map.put(k, PolicyMapValue.allow(k));
        }
        PolicyMapKey extra = PolicyMapKey.anyProtocol(100_000, INGRESS);
        assertThatThrownBy(() -> map.put(extra, PolicyMapValue.allow(extra)))
                .isInstanceOfSatisfying(BpfMapException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOSPC);
                    assertThat(e.isMapFull()).isTrue();
                });
    }

    @Test
    void sizeIsClampedAsInCiliumAndTheBackendMustBeAPolicyTrie() {
        assertThatThrownBy(() -> PolicyMap.spec("p", 255))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxEntries");
        assertThatThrownBy(() -> PolicyMap.spec("p", 65_537))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxEntries");
        assertThat(PolicyMap.spec("p", PolicyMap.DEFAULT_MAX_ENTRIES).maxPrefixLength())
                .isEqualTo(64);
        assertThatThrownBy(() -> new PolicyMap(new HashMapInMemory(MapSpec.hash("h", 12, 12, 4))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a policy map");
    }
}
