package dev.tendril.flows.adapters.grpc;

import dev.tendril.api.hubble.observer.GetFlowsResponse;
import dev.tendril.flows.domain.StoredFlow;
import io.grpc.stub.ServerCallStreamObserver;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes one GetFlows stream, several flows per HTTP/2 write. Through grpc's call every message is its
 * own write, DATA frame and flush (a system call each), which cost more than everything else a follower
 * does. So whole flows wait in a batch until {@link #flush} (the end of a follow step) or a full batch;
 * then all but the last go to the HTTP/2 response as gRPC length-prefixed messages in one write, and the
 * last through the call, which keeps its flow control (readiness reflects the bytes of the whole write
 * queue) and sends the headers and trailers. The first message always goes through the call, so the
 * headers precede any batch. Without the HTTP response ({@link HttpStreams}) each message goes through
 * the call. Not thread-safe: one writer per stream.
 */
final class FlowWriter {

    private static final int BATCH_BYTES = 64 * 1024;
    private static final int BATCH_FLOWS = 256;

    private final ServerCallStreamObserver<FlowsReply> call;
    private final ReadyGate gate;
    private final HttpServerResponse http;
    private final List<FlowsReply.Frame> pending = new ArrayList<>();
    private int pendingBytes;
    private boolean started;

    /** {@code http} null: message by message. */
    FlowWriter(ServerCallStreamObserver<FlowsReply> call, ReadyGate gate, HttpServerResponse http) {
        this.call = call;
        this.gate = gate;
        this.http = http;
    }

    /** A whole stored flow: its bytes in a response frame, batched. */
    void flow(StoredFlow flow) {
        FlowsReply.Frame frame = new FlowsReply.Frame(flow);
        pending.add(frame);
        pendingBytes += 5 + frame.length();
        if (pendingBytes >= BATCH_BYTES || pending.size() >= BATCH_FLOWS) {
            flush();
        }
    }

    /** A built response (a masked flow, a lost event), after what is batched. */
    void message(GetFlowsResponse response) {
        flush();
        gate.await();
        call.onNext(new FlowsReply.Message(response));
        started = true;
    }

    /** Writes what is batched. */
    void flush() {
        if (pending.isEmpty()) {
            return;
        }
        gate.await();
        int last = pending.size() - 1;
        if (http != null && started && last > 0) {
            Buffer batch = Buffer.buffer(pendingBytes);
            for (int i = 0; i < last; i++) {
                pending.get(i).appendTo(batch);
            }
            http.write(batch);
            call.onNext(pending.get(last));
        } else {
            for (FlowsReply.Frame frame : pending) {
                gate.await();
                call.onNext(frame);
                started = true;
            }
        }
        started = true;
        pending.clear();
        pendingBytes = 0;
    }
}
