package dev.tendril.agent.adapters;

import dev.tendril.agent.endpoint.EndpointRejectedException;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The request id of a CNI ADD or DEL, forwarded to IPAM and the identity service as gRPC metadata
 * {@code x-request-id}, so that their events name the same request the CNI plugin sent (or one the
 * agent made up for it when it sent none).
 */
final class RequestIds {

    static final String HEADER = "X-Request-Id";

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Context.Key<String> CURRENT = Context.key("tendril-request-id");
    private static final Metadata.Key<String> METADATA =
            Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);

    /** Adds the request id of the work running in this thread (if any) to every call. */
    static final ClientInterceptor FORWARD = new ClientInterceptor() {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            String requestId = CURRENT.get();
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    if (requestId != null) {
                        headers.put(METADATA, requestId);
                    }
                    super.start(listener, headers);
                }
            };
        }
    };

    private RequestIds() {}

    /** The caller's request id, checked, or a new one when it sent none. */
    static String of(String sent) {
        if (sent == null) {
            return UUID.randomUUID().toString();
        }
        if (!VALID.matcher(sent).matches()) {
            throw EndpointRejectedException.invalid(
                    HEADER, "header " + HEADER + " must be 1 to 128 characters of letters, digits and . _ : -");
        }
        return sent;
    }

    /** Runs {@code work} with {@code requestId} forwarded on every gRPC call it makes in this thread. */
    static <T> T forwarding(String requestId, Supplier<T> work) {
        Context forwarded = Context.current().withValue(CURRENT, requestId);
        Context previous = forwarded.attach();
        try {
            return work.get();
        } finally {
            forwarded.detach(previous);
        }
    }
}
