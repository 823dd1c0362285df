package dev.tendril.rest.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The grpc-message header carries the refusal's text percent-encoded, as the gRPC HTTP/2 protocol asks. */
class AccessRefusalsTest {

    @Test
    void encodesPercentAndNonAsciiOnly() {
        assertThat(AccessRefusals.grpcMessage("needs role viewer; 100% é"))
                .isEqualTo("needs role viewer; 100%25 %C3%A9");
    }
}
