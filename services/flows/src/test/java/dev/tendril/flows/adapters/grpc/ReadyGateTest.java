package dev.tendril.flows.adapters.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.stub.ServerCallStreamObserver;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A follow's writer waits for the client's window instead of buffering without bound. */
class ReadyGateTest {

    @Test
    void theWriterWaitsWhileTheClientsWindowIsFullAndGoesOnWhenItOpens() throws Exception {
        FakeCall call = new FakeCall();
        ReadyGate gate = new ReadyGate(call);
        call.ready.set(false);
        AtomicBoolean passed = new AtomicBoolean();
        Thread writer = Thread.ofVirtual().start(() -> {
            gate.await();
            passed.set(true);
        });

        await().during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(2))
                .untilAsserted(() -> assertThat(passed).isFalse());
        call.ready.set(true);
        call.onReady.run();
        writer.join(Duration.ofSeconds(5));
        assertThat(passed).isTrue();
    }

    @Test
    void aCancelledCallNeverBlocksItsWriter() throws Exception {
        FakeCall call = new FakeCall();
        ReadyGate gate = new ReadyGate(call);
        call.ready.set(false);
        call.cancelled.set(true);
        Thread writer = Thread.ofVirtual().start(gate::await);
        writer.join(Duration.ofSeconds(5));
        assertThat(writer.isAlive()).isFalse();
    }

    private static final class FakeCall extends ServerCallStreamObserver<Object> {
        final AtomicBoolean ready = new AtomicBoolean(true);
        final AtomicBoolean cancelled = new AtomicBoolean();
        volatile Runnable onReady = () -> {};

        @Override
        public boolean isReady() {
            return ready.get();
        }

        @Override
        public void setOnReadyHandler(Runnable handler) {
            onReady = handler;
        }

        @Override
        public boolean isCancelled() {
            return cancelled.get();
        }

        @Override
        public void setOnCancelHandler(Runnable handler) {}

        @Override
        public void setCompression(String compression) {}

        @Override
        public void disableAutoInboundFlowControl() {}

        @Override
        public void request(int count) {}

        @Override
        public void setMessageCompression(boolean enable) {}

        @Override
        public void onNext(Object value) {}

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
    }
}
