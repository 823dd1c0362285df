package dev.tendril.eventstore.quarkus;

import dev.tendril.eventstore.ChangeOrigin;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * The gRPC twin of {@link RequestIdFilter}: metadata {@code x-request-id} (the caller's, else a new
 * UUID) goes into the call's gRPC context, which Quarkus carries to the worker thread of a blocking
 * service, where the call's events are appended.
 */
@GlobalInterceptor
@ApplicationScoped
public class RequestIdGrpcInterceptor implements ServerInterceptor {

    static final Metadata.Key<String> HEADER = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
    static final Context.Key<String> REQUEST_ID = Context.key("tendril-request-id");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String sent = headers.get(HEADER);
        if (sent != null && !ChangeOrigin.validRequestId(sent)) {
            call.close(
                    Status.INVALID_ARGUMENT.withDescription("x-request-id: must be 1 to " + ChangeOrigin.MAX_REQUEST_ID
                            + " characters of letters, digits and . _ : -"),
                    new Metadata());
            return new ServerCall.Listener<>() {};
        }
        Context context = Context.current()
                .withValue(REQUEST_ID, sent != null ? sent : UUID.randomUUID().toString());
        return Contexts.interceptCall(context, call, headers, next);
    }

    /** The request id of the gRPC call this thread works for, or null outside one. */
    static String current() {
        return REQUEST_ID.get();
    }
}
