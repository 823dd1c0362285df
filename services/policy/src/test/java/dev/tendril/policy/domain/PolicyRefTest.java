package dev.tendril.policy.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyRefTest {

    @Test
    void ordersLikeItsStringForm() {
        List<PolicyRef> refs = List.of(
                new PolicyRef("NetworkPolicy", "a", "x"),
                new PolicyRef("NetworkPolicy", "a-b", "x"),
                new PolicyRef("NetworkPolicy", "a", "x-1"),
                new PolicyRef("NetworkPolicy", "ab", ""),
                new PolicyRef("CiliumNetworkPolicy", "z", "z"),
                new PolicyRef("NetworkPolicy", "a", ""),
                new PolicyRef("NetworkPolicy", "a.", "x"),
                new PolicyRef("NetworkPolicy", "a", "x"));
        for (PolicyRef a : refs) {
            for (PolicyRef b : refs) {
                assertThat(Integer.signum(a.compareTo(b)))
                        .as("%s vs %s", a, b)
                        .isEqualTo(Integer.signum(a.toString().compareTo(b.toString())));
            }
        }
    }
}
