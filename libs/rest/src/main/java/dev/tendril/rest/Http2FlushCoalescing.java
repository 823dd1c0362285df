package dev.tendril.rest;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * One flush, so one TLS record and one {@code write}, per gRPC answer instead of one per frame. The gRPC services
 * are {@code @Blocking}: their worker thread hands the response's headers, message and trailers to the connection's
 * event loop as three tasks, and Vert.x flushes after each (it holds flushes only while it is reading). On a TLS
 * port every flush is a record of its own, encrypted by the server and decrypted by the client, which was most of
 * what TLS added to a cached identity lookup (docs/BENCHMARKS.md, issue 16). Netty's
 * {@link FlushConsolidationHandler}, put in front of the HTTP/2 handler of every HTTP/2 connection at its first
 * request, turns a flush outside a read into a task at the end of the event loop's queue, by which time the other
 * frames of the answer are written too. Nothing is held back beyond that task: no timer, no size threshold.
 */
@ApplicationScoped
public class Http2FlushCoalescing {

    static final String HANDLER = "tendril-flush-coalescing";

    /** Flushes that go out at once even inside a read (Netty's default): bounds what a long read holds back. */
    private static final int FLUSH_AFTER = 256;

    /** Before authentication and routing: the handler goes in at a connection's first request, refused or not. */
    private static final int PRIORITY = 10_000;

    void register(@Observes Filters filters) {
        filters.register(Http2FlushCoalescing::onRequest, PRIORITY);
    }

    static void onRequest(RoutingContext request) {
        if (request.request().version() == HttpVersion.HTTP_2) {
            install(request.request().connection());
        }
        request.next();
    }

    private static void install(HttpConnection connection) {
        if (!(connection instanceof ConnectionBase base)) {
            return;
        }
        Channel channel = base.channel();
        // HTTP/2 streams of one connection share its channel and its event loop: the check and the insertion
        // run on that loop, so a connection gets the handler exactly once.
        ChannelPipeline pipeline = channel.pipeline();
        if (pipeline.get(HANDLER) != null) {
            return;
        }
        ChannelHandlerContext http2 = pipeline.context(Http2ConnectionHandler.class);
        if (http2 != null) {
            pipeline.addBefore(http2.name(), HANDLER, new FlushConsolidationHandler(FLUSH_AFTER, true));
        }
    }
}
