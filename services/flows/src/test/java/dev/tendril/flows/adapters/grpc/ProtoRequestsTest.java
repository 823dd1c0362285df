package dev.tendril.flows.adapters.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import dev.tendril.api.hubble.observer.GetFlowsRequest;
import dev.tendril.flows.domain.InvalidFilterException;
import org.junit.jupiter.api.Test;

class ProtoRequestsTest {

    /** Found by FlowsFuzzTest (shrunk): {@code until {seconds: Long.MAX_VALUE}} overflowed to an UNKNOWN status. */
    @Test
    void refusesATimeOutsideTheNanosecondRangeNamingTheField() {
        for (long seconds : new long[] {Long.MAX_VALUE, Long.MIN_VALUE, 9_223_372_037L, -9_223_372_037L}) {
            Timestamp time = Timestamp.newBuilder().setSeconds(seconds).build();
            assertThatThrownBy(() -> ProtoRequests.query(
                            GetFlowsRequest.newBuilder().setUntil(time).build()))
                    .isInstanceOfSatisfying(
                            InvalidFilterException.class,
                            e -> assertThat(e.field()).isEqualTo("until"));
            assertThatThrownBy(() -> ProtoRequests.query(
                            GetFlowsRequest.newBuilder().setSince(time).build()))
                    .isInstanceOfSatisfying(
                            InvalidFilterException.class,
                            e -> assertThat(e.field()).isEqualTo("since"));
        }
        // The last representable nanosecond (2262-04-11T23:47:16.854775807Z) is still a time.
        Timestamp last = Timestamp.newBuilder()
                .setSeconds(9_223_372_036L)
                .setNanos(854_775_807)
                .build();
        assertThat(ProtoRequests.query(
                                GetFlowsRequest.newBuilder().setUntil(last).build())
                        .until())
                .isEqualTo(Long.MAX_VALUE);
    }
}
