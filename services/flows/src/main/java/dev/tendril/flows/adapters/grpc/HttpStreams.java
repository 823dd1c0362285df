package dev.tendril.flows.adapters.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Hands a call the HTTP/2 response it is written to, so {@link FlowWriter} can write many GetFlows
 * messages in one write. Quarkus serves gRPC on its HTTP server (vert.x) and keeps the request's
 * {@link RoutingContext} in the vert.x context while the call starts, as its own security interceptor
 * reads it; without one (another transport) calls get no response and write message by message.
 */
@ApplicationScoped
public class HttpStreams implements ServerInterceptor {

    static final Context.Key<HttpServerResponse> RESPONSE = Context.key("tendril-http-response");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        io.vertx.core.Context vertx = Vertx.currentContext();
        RoutingContext routing = vertx == null ? null : vertx.getLocal(RoutingContext.class.getName());
        if (routing == null) {
            return next.startCall(call, headers);
        }
        return Contexts.interceptCall(Context.current().withValue(RESPONSE, routing.response()), call, headers, next);
    }
}
