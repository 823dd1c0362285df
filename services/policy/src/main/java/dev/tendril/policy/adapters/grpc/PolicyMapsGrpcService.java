package dev.tendril.policy.adapters.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.tendril.api.v1.GetPolicyMapsRequest;
import dev.tendril.api.v1.GetPolicyMapsResponse;
import dev.tendril.api.v1.PolicyMapsGrpc;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.policy.adapters.kafka.PublishedMapsConsumer;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.PostConstruct;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code tendril.v1.PolicyMaps} on the HTTP port: the maps tendril.policy holds for the subjects an agent asks for,
 * exactly as published (revisions included), from this replica's own reading of the topic
 * ({@link PublishedMapsConsumer}), so a standby answers as well as the leader. Refusals: INVALID_ARGUMENT (the
 * description starts with the field at fault, {@code subjects} or {@code subjects[i]}), UNAVAILABLE until the topic
 * was read to the end once. Who may call it is in {@code PolicyAccess}.
 */
@GrpcService
@Blocking
public class PolicyMapsGrpcService extends PolicyMapsGrpc.PolicyMapsImplBase {

    /** Subjects one call may ask for (the proto's contract). */
    public static final int MAX_SUBJECTS = 4096;

    @Inject
    PublishedMapsConsumer maps;

    @Inject
    MeterRegistry registry;

    private Counter served;
    private Counter absent;

    @PostConstruct
    void meters() {
        served = Counter.builder("tendril.policy.maps.served")
                .description("Policy maps answered over gRPC PolicyMaps.GetPolicyMaps")
                .register(registry);
        absent = Counter.builder("tendril.policy.maps.absent")
                .description(
                        "Subjects asked for over gRPC PolicyMaps.GetPolicyMaps that tendril.policy holds no map of")
                .register(registry);
    }

    @Override
    public void getPolicyMaps(GetPolicyMapsRequest request, StreamObserver<GetPolicyMapsResponse> response) {
        Optional<String> invalid = invalid(request.getSubjectsList());
        if (invalid.isPresent()) {
            response.onError(
                    Status.INVALID_ARGUMENT.withDescription(invalid.get()).asRuntimeException());
            return;
        }
        if (!maps.caughtUp()) {
            response.onError(Status.UNAVAILABLE
                    .withDescription("this replica has not read tendril.policy to its end yet"
                            + maps.kafkaProblem().map(p -> ": " + p).orElse("") + "; ask again")
                    .asRuntimeException());
            return;
        }
        GetPolicyMapsResponse.Builder answer = GetPolicyMapsResponse.newBuilder();
        for (int subject : request.getSubjectsList()) {
            Optional<byte[]> record = maps.record(Integer.toUnsignedLong(subject));
            if (record.isEmpty()) {
                answer.addAbsent(subject);
                continue;
            }
            try {
                // The bytes were checked when read; parsing them again serializes to the same bytes.
                answer.addMaps(SubjectPolicyMap.parseFrom(record.get()));
            } catch (InvalidProtocolBufferException e) {
                response.onError(Status.INTERNAL
                        .withDescription("the record of subject " + Integer.toUnsignedString(subject)
                                + " no longer parses: " + e.getMessage())
                        .asRuntimeException());
                return;
            }
        }
        served.increment(answer.getMapsCount());
        absent.increment(answer.getAbsentCount());
        response.onNext(answer.build());
        response.onCompleted();
    }

    /** What is wrong with the subjects asked for, the field at fault first; empty when nothing is. */
    static Optional<String> invalid(List<Integer> subjects) {
        if (subjects.size() > MAX_SUBJECTS) {
            return Optional.of("subjects: at most " + MAX_SUBJECTS + " per call, got " + subjects.size());
        }
        Map<Integer, Integer> seen = new HashMap<>();
        for (int i = 0; i < subjects.size(); i++) {
            int subject = subjects.get(i);
            if (subject == 0) {
                return Optional.of("subjects[" + i + "]: 0 is no identity");
            }
            Integer first = seen.putIfAbsent(subject, i);
            if (first != null) {
                return Optional.of("subjects[" + i + "]: " + Integer.toUnsignedString(subject)
                        + " is asked for twice (also subjects[" + first + "])");
            }
        }
        return Optional.empty();
    }
}
