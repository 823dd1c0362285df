package dev.tendril.flows.adapters.grpc;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;

/**
 * Writes a failed call's description to {@code grpc-message} percent-encoded as the gRPC spec says: only
 * bytes outside printable ASCII and {@code %} itself. The Vert.x gRPC server Quarkus runs on the HTTP port
 * form-encodes it (URLEncoder: every space, colon, slash, bracket); spec-following clients decode that,
 * but anything reading the raw trailer (curl, grpcurl's verbose output, proxies, logs) showed
 * {@code source_ip%3A%20not%20an%20IP}. Vert.x leaves {@code grpc-message} alone when the status carries
 * no description, so the description travels as an already encoded trailer instead.
 */
@GlobalInterceptor
@ApplicationScoped
public class StatusMessages implements ServerInterceptor {

    static final Metadata.Key<String> GRPC_MESSAGE = Metadata.Key.of("grpc-message", Metadata.ASCII_STRING_MARSHALLER);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        return next.startCall(
                new SimpleForwardingServerCall<>(call) {
                    @Override
                    public void close(Status status, Metadata trailers) {
                        if (status.isOk() || status.getDescription() == null) {
                            super.close(status, trailers);
                            return;
                        }
                        trailers.removeAll(GRPC_MESSAGE);
                        trailers.put(GRPC_MESSAGE, encode(status.getDescription()));
                        super.close(status.withDescription(null), trailers);
                    }
                },
                headers);
    }

    /** The spec's Percent-Encoded: UTF-8, bytes 0x20-0x7E kept except '%', others as %XX. */
    static String encode(String description) {
        StringBuilder out = new StringBuilder(description.length());
        for (byte b : description.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 0x20 && c <= 0x7e && c != '%') {
                out.append((char) c);
            } else {
                out.append('%')
                        .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
