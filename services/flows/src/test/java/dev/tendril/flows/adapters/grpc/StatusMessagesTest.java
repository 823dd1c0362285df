package dev.tendril.flows.adapters.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The gRPC spec's Percent-Encoded form of grpc-message. */
class StatusMessagesTest {

    @Test
    void keepsPrintableAsciiAndEncodesPercentAndOtherBytes() {
        assertThat(StatusMessages.encode("whitelist[0].source_ip: 10.0.0.0/99 is not an IP or CIDR"))
                .isEqualTo("whitelist[0].source_ip: 10.0.0.0/99 is not an IP or CIDR");
        assertThat(StatusMessages.encode("100% sure")).isEqualTo("100%25 sure");
        assertThat(StatusMessages.encode("pod café\nnext")).isEqualTo("pod caf%C3%A9%0Anext");
    }
}
