package dev.tendril.flows.adapters.grpc;

import com.google.protobuf.Timestamp;
import dev.tendril.api.hubble.observer.GetAgentEventsRequest;
import dev.tendril.api.hubble.observer.GetAgentEventsResponse;
import dev.tendril.flows.adapters.EventLog;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;

/**
 * One GetAgentEvents call on a virtual thread: the held events within {@code since}/{@code until}, cut to
 * the first or last {@code number} (all when 0), then with {@code follow} every later event until the
 * client cancels or {@code until} passes.
 */
final class AgentEventStream {

    private static final long POLL_MILLIS = 200;

    private AgentEventStream() {}

    static void start(
            EventLog<GetAgentEventsResponse> log,
            GetAgentEventsRequest request,
            StreamObserver<GetAgentEventsResponse> response) {
        if (request.getFirst() && request.getFollow()) {
            response.onError(Status.INVALID_ARGUMENT
                    .withDescription("first: cannot be combined with follow")
                    .asRuntimeException());
            return;
        }
        ServerCallStreamObserver<GetAgentEventsResponse> call =
                (ServerCallStreamObserver<GetAgentEventsResponse>) response;
        long since = request.hasSince() ? nanos(request.getSince()) : Long.MIN_VALUE;
        long until = request.hasUntil() ? nanos(request.getUntil()) : Long.MAX_VALUE;
        Thread.ofVirtual().name("observer-agentevents").start(() -> {
            try (EventLog.Subscription<GetAgentEventsResponse> subscription = log.subscribe()) {
                List<GetAgentEventsResponse> held = subscription.history().stream()
                        .filter(e -> inTime(e, since, until))
                        .toList();
                int number = (int) Math.min(Integer.MAX_VALUE, request.getNumber());
                if (number > 0 && held.size() > number) {
                    held = request.getFirst()
                            ? held.subList(0, number)
                            : held.subList(held.size() - number, held.size());
                }
                for (GetAgentEventsResponse event : held) {
                    if (call.isCancelled()) {
                        return;
                    }
                    call.onNext(event);
                }
                while (request.getFollow() && !call.isCancelled() && System.currentTimeMillis() * 1_000_000L <= until) {
                    GetAgentEventsResponse event = subscription.poll(POLL_MILLIS);
                    if (event != null && inTime(event, since, until)) {
                        call.onNext(event);
                    }
                }
                if (!call.isCancelled()) {
                    call.onCompleted();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                if (!call.isCancelled()) {
                    call.onError(Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException());
                }
            }
        });
    }

    private static boolean inTime(GetAgentEventsResponse event, long since, long until) {
        long time = nanos(event.getTime());
        return time >= since && time <= until;
    }

    private static long nanos(Timestamp time) {
        return time.getSeconds() * 1_000_000_000L + time.getNanos();
    }
}
