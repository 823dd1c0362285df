package dev.tendril.rest.security;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.rest.Problem;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;

/**
 * Answers {@link AccessDeniedException}: problem+json 401 or 403 for HTTP, and for a gRPC call a trailers-only
 * response with UNAUTHENTICATED (16) or PERMISSION_DENIED (7) and the same text, so a gRPC client sees the
 * status and not an HTTP error.
 */
@ApplicationScoped
public class AccessRefusals {

    static final int GRPC_UNAUTHENTICATED = 16;
    static final int GRPC_PERMISSION_DENIED = 7;

    @Inject
    ObjectMapper json;

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).failureHandler(this::answer);
    }

    static boolean isGrpc(RoutingContext request) {
        String type = request.request().getHeader("content-type");
        return type != null && type.startsWith("application/grpc");
    }

    private void answer(RoutingContext request) {
        if (!(request.failure() instanceof AccessDeniedException denied)
                || request.response().ended()) {
            request.next();
            return;
        }
        var response = request.response();
        if (isGrpc(request)) {
            int code = denied.status() == 401 ? GRPC_UNAUTHENTICATED : GRPC_PERMISSION_DENIED;
            response.setStatusCode(200)
                    .putHeader("content-type", "application/grpc")
                    .putHeader("grpc-status", Integer.toString(code))
                    .putHeader("grpc-message", grpcMessage(denied.getMessage()))
                    .end();
            return;
        }
        String body;
        try {
            body = json.writeValueAsString(Problem.of(denied.status(), null, denied.getMessage(), null, null));
        } catch (JsonProcessingException e) {
            body = "{\"status\":" + denied.status() + "}";
        }
        response.setStatusCode(denied.status())
                .putHeader("content-type", Problem.MEDIA_TYPE)
                .end(body);
    }

    /** gRPC's percent-encoding of grpc-message: bytes outside printable ASCII, and '%', are %XX. */
    static String grpcMessage(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : Problem.bounded(text, Problem.MAX_DETAIL).getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(String.format("%02X", c));
            }
        }
        return out.toString();
    }
}
