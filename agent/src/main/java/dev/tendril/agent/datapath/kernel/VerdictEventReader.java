package dev.tendril.agent.datapath.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Reads {@code tendril_events} with libbpf's ring_buffer: one platform thread polls and hands each record,
 * decoded, to the consumer on that thread. The programs wake the reader only once unread events fill a
 * quarter of the ring (a wake-up per event costs each new connection microseconds in the kernel), so the
 * thread also reads whatever the ring holds every {@value #POLL_MS} ms: an event reaches the consumer at
 * most that long after the packet, or at once in a burst. The short interval also keeps {@link #close}
 * prompt.
 * The consumer must be quick; an exception it throws is logged and the record skipped. The ring is
 * pinned, so a reader opened after an agent restart continues where the kernel left records.
 */
public final class VerdictEventReader implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(VerdictEventReader.class);
    static final int POLL_MS = 50;

    private final Consumer<VerdictEvent> consumer;
    private final Arena arena = Arena.ofShared();
    private final AtomicLong read = new AtomicLong();
    private final int fd;
    private final MemorySegment ring;
    private final Thread thread;
    private volatile boolean running = true;

    VerdictEventReader(Path pin, Consumer<VerdictEvent> consumer) {
        this.consumer = consumer;
        this.fd = Pins.open(pin);
        try {
            var handle = MethodHandles.lookup()
                    .findVirtual(
                            VerdictEventReader.class,
                            "sample",
                            MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class, long.class))
                    .bindTo(this);
            MemorySegment callback = Linker.nativeLinker()
                    .upcallStub(handle, FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG), arena);
            MemorySegment capture = LibC.capture(arena);
            MemorySegment rb = LibBpf.ringBufferNew(capture, fd, callback);
            if (rb.equals(MemorySegment.NULL)) {
                throw KernelDatapathException.failed("ring_buffer__new(" + pin + ")", -LibC.errno(capture));
            }
            this.ring = rb;
        } catch (ReflectiveOperationException | RuntimeException e) {
            Pins.close(fd);
            arena.close();
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
        this.thread =
                Thread.ofPlatform().daemon().name("tendril-verdict-events").start(this::poll);
    }

    private void poll() {
        while (running) {
            int r = LibBpf.ringBufferPoll(ring, POLL_MS);
            if (r == 0) {
                // No wake-up within the interval: the events the programs put on the ring without one.
                r = LibBpf.ringBufferConsume(ring);
            }
            if (r < 0 && r != -4) { // EINTR: a signal, poll again
                LOG.errorf(
                        "ring_buffer__poll of tendril_events failed: %s; no more verdict events", LibBpf.errnoName(-r));
                return;
            }
        }
    }

    @SuppressWarnings("unused") // called by libbpf through the upcall stub
    private int sample(MemorySegment ctx, MemorySegment data, long size) {
        try {
            byte[] bytes = data.reinterpret(size).toArray(JAVA_BYTE);
            read.incrementAndGet();
            consumer.accept(VerdictEvent.decode(bytes));
        } catch (Throwable e) { // anything leaving an upcall ends the JVM (also an Error while it shuts down)
            LOG.warn("verdict event skipped: " + e);
        }
        return 0;
    }

    /** Records handed to the consumer so far. */
    public long read() {
        return read.get();
    }

    /** Stops polling and frees the reader; the ring buffer and its unread records stay in the kernel. */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LibBpf.ringBufferFree(ring);
        Pins.close(fd);
        arena.close();
    }
}
