package dev.tendril.flows.adapters.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * gRPC flow control for a server stream written from its own thread: {@link #await} blocks the writer
 * while the client's window is full, so a slow client holds back the reader of the rings (which then loses
 * what the rings overwrite, and says so in a LostEvent) instead of the server buffering without bound until
 * it runs out of memory. Create it in the service method: gRPC takes the ready handler only there.
 */
final class ReadyGate {

    private final ServerCallStreamObserver<?> call;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();

    ReadyGate(ServerCallStreamObserver<?> call) {
        this.call = call;
        call.setOnReadyHandler(this::signal);
    }

    /** Returns once the call can take a message or is cancelled. */
    void await() {
        if (call.isReady() || call.isCancelled()) {
            return;
        }
        lock.lock();
        try {
            // The handler may run between the check and the wait: the bounded wait checks again.
            while (!call.isReady() && !call.isCancelled()) {
                ready.await(50, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    private void signal() {
        lock.lock();
        try {
            ready.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
