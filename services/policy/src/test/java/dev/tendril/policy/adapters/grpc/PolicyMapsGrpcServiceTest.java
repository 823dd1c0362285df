package dev.tendril.policy.adapters.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.api.v1.GetPolicyMapsRequest;
import dev.tendril.api.v1.GetPolicyMapsResponse;
import dev.tendril.policy.adapters.kafka.PublishedMapsConsumer;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Before this replica read tendril.policy to its end it answers UNAVAILABLE, and still refuses bad input first. */
class PolicyMapsGrpcServiceTest {

    /** What a call answered: its responses and its error. */
    private static final class Answer implements StreamObserver<GetPolicyMapsResponse> {
        final List<GetPolicyMapsResponse> values = new ArrayList<>();
        Status error;
        boolean completed;

        @Override
        public void onNext(GetPolicyMapsResponse value) {
            values.add(value);
        }

        @Override
        public void onError(Throwable t) {
            error = Status.fromThrowable(t);
        }

        @Override
        public void onCompleted() {
            completed = true;
        }
    }

    /** A service whose follower has not caught up (never started: no Kafka involved). */
    private static PolicyMapsGrpcService notCaughtUp() {
        PolicyMapsGrpcService service = new PolicyMapsGrpcService();
        service.maps = new PublishedMapsConsumer();
        service.registry = new SimpleMeterRegistry();
        service.meters();
        return service;
    }

    @Test
    void answersUnavailableUntilTheTopicWasReadToItsEnd() {
        Answer answer = new Answer();
        notCaughtUp()
                .getPolicyMaps(
                        GetPolicyMapsRequest.newBuilder().addSubjects(312).build(), answer);
        assertThat(answer.error.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(answer.error.getDescription()).contains("tendril.policy");
        assertThat(answer.values).isEmpty();
        assertThat(answer.completed).isFalse();
    }

    @Test
    void refusesBadInputBeforeAskingWhetherItCaughtUp() {
        Answer answer = new Answer();
        notCaughtUp()
                .getPolicyMaps(
                        GetPolicyMapsRequest.newBuilder()
                                .addSubjects(312)
                                .addSubjects(0)
                                .build(),
                        answer);
        assertThat(answer.error.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(answer.error.getDescription()).startsWith("subjects[1]: ");
    }

    @Test
    void namesTheFirstRepeatAndTheLimit() {
        assertThat(PolicyMapsGrpcService.invalid(List.of(5, 6, 5)))
                .contains("subjects[2]: 5 is asked for twice (also subjects[0])");
        assertThat(PolicyMapsGrpcService.invalid(List.of(-1))).isEmpty();
        List<Integer> tooMany = new ArrayList<>();
        for (int i = 1; i <= PolicyMapsGrpcService.MAX_SUBJECTS + 1; i++) {
            tooMany.add(i);
        }
        assertThat(PolicyMapsGrpcService.invalid(tooMany)).contains("subjects: at most 4096 per call, got 4097");
        assertThat(PolicyMapsGrpcService.invalid(tooMany.subList(0, 4096))).isEmpty();
    }
}
