package dev.tendril.identity.app;

import dev.tendril.eventstore.ChangeOrigin;
import dev.tendril.k8s.labels.Labels;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Group commit for allocations: callers queue their label sets; a few workers each take whatever is
 * queued (up to a maximum) and allocate it in ONE transaction. Nothing waits for a batch to fill, so a
 * lone request is a batch of one and pays no extra latency; under load the commit cost is shared. A
 * batch that fails as a whole (say the range is exhausted) is retried one allocation per transaction,
 * so each caller gets its own answer.
 *
 * <p>Not libs/eventstore's {@code CommandHandler}: that runs one command on one stream per transaction,
 * while a batch appends to as many identity streams as it allocates, and each allocation must claim its
 * read-model row before appending (the row, not the stream, is what two replicas allocating the same
 * label set collide on; its insert also yields the id stream's version).
 */
final class AllocationBatcher {

    static final int DEFAULT_WORKERS = 4;
    static final int DEFAULT_MAX_BATCH = 200;

    // The caller's origin, taken in its thread: the batch appends its identity's event in a worker's.
    private record Pending(Labels labels, ChangeOrigin origin, CompletableFuture<Allocation> result) {}

    private final IdentityAllocator allocator;
    private final int maxBatch;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean running = true;

    AllocationBatcher(IdentityAllocator allocator, int workerCount, int maxBatch) {
        this.allocator = allocator;
        this.maxBatch = maxBatch;
        for (int i = 0; i < workerCount; i++) {
            workers.add(Thread.ofPlatform()
                    .name("identity-allocator-" + i)
                    .daemon(true)
                    .start(this::work));
        }
    }

    Allocation submit(Labels labels) {
        if (!running) {
            throw new IllegalStateException("allocator is closed");
        }
        CompletableFuture<Allocation> result = new CompletableFuture<>();
        queue.add(new Pending(labels, allocator.origin(), result));
        try {
            return result.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
    }

    void close() {
        running = false;
        workers.forEach(Thread::interrupt);
        Pending left;
        while ((left = queue.poll()) != null) {
            left.result().completeExceptionally(new IllegalStateException("allocator is closed"));
        }
    }

    private void work() {
        List<Pending> batch = new ArrayList<>(maxBatch);
        while (running) {
            try {
                Pending first = queue.poll(1, TimeUnit.SECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                run(batch);
            } catch (InterruptedException e) {
                return;
            } finally {
                batch.clear();
            }
        }
    }

    private void run(List<Pending> batch) {
        try {
            List<Allocation> results = allocator.allocateAll(
                    batch.stream().map(Pending::labels).toList(),
                    batch.stream().map(Pending::origin).toList());
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).result().complete(results.get(i));
            }
        } catch (RuntimeException | Error batchFailure) {
            for (Pending pending : batch) {
                try {
                    pending.result()
                            .complete(allocator
                                    .allocateAll(List.of(pending.labels()), List.of(pending.origin()))
                                    .getFirst());
                } catch (RuntimeException | Error e) {
                    pending.result().completeExceptionally(e);
                }
            }
        }
    }
}
