package dev.tendril.identity.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.eventstore.ChangeOrigin;
import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.eventstore.ConcurrencyException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Which failures a command runs again for, and how often, whatever the storage behind the port. */
class RetryingTest {

    /** A failure the storage says a concurrent transaction caused (PostgreSQL: a deadlock). */
    private static final class LostLock extends RuntimeException {}

    private static final IdentityStorage STORAGE = new IdentityStorage() {
        @Override
        public <T> T inTransaction(Work<T> work) {
            return work.run(null);
        }

        @Override
        public boolean lostToConcurrentTransaction(RuntimeException failure) {
            return failure instanceof LostLock;
        }

        @Override
        public ChangeOrigin origin() {
            return ChangeOrigin.UNKNOWN;
        }
    };

    @Test
    void runsAgainAfterAStreamConflictOrALostLockUntilItSucceeds() {
        AtomicInteger attempts = new AtomicInteger();
        String result = Retrying.inTransaction(STORAGE, tx -> switch (attempts.incrementAndGet()) {
            case 1 -> throw new ConcurrencyException("identity/300", 0, 1);
            case 2 -> throw new LostLock();
            default -> "done";
        });
        assertThat(result).isEqualTo("done");
        assertThat(attempts).hasValue(3);
    }

    @Test
    void refusalsAndOtherFailuresAreNotRetried() {
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> Retrying.run(STORAGE, () -> {
                    attempts.incrementAndGet();
                    throw CommandRejectedException.conflict("ips", "IP 10.0.0.1 is held by endpoint a/b");
                }))
                .isInstanceOf(CommandRejectedException.class);
        assertThatThrownBy(() -> Retrying.run(STORAGE, () -> {
                    attempts.incrementAndGet();
                    throw new IllegalStateException("database down");
                }))
                .isInstanceOf(IllegalStateException.class);
        assertThat(attempts).hasValue(2);
    }

    @Test
    void givesUpWithTheLastConflictAfterThirtyAttempts() {
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> Retrying.run(STORAGE, () -> {
                    attempts.incrementAndGet();
                    throw new ConcurrencyException("endpoint/ns/pod", 1, 2);
                }))
                .isInstanceOf(ConcurrencyException.class);
        assertThat(attempts).hasValue(30);
    }
}
