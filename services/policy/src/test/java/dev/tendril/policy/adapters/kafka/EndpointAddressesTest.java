package dev.tendril.policy.adapters.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.api.v1.Endpoint;
import dev.tendril.net.IpAddress;
import org.junit.jupiter.api.Test;

/** A tendril.endpoints record's addresses reach the policy's endpoint, which ipBlock peers match. */
class EndpointAddressesTest {

    @Test
    void bothFamiliesAreKept() {
        byte[] value = Endpoint.newBuilder()
                .setNamespace("x")
                .setPod("b")
                .setIdentity(1002)
                .setIpv4("10.0.1.17")
                .setIpv6("fd00::111")
                .build()
                .toByteArray();
        assertThat(ProtoMapping.endpoint("x/b", value).addresses())
                .containsExactlyInAnyOrder(IpAddress.parse("10.0.1.17"), IpAddress.parse("fd00::111"));
    }

    @Test
    void anEndpointWithoutAddressesHasNone() {
        byte[] value = Endpoint.newBuilder()
                .setNamespace("x")
                .setPod("b")
                .setIdentity(1002)
                .setIpv6("")
                .build()
                .toByteArray();
        assertThat(ProtoMapping.endpoint("x/b", value).addresses()).isEmpty();
    }
}
