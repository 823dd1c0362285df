package dev.tendril.policy.app;

import dev.tendril.policy.domain.PolicyEngine;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** What an {@link LbRuntime} needs besides its store, for tests and load drivers that run it alone. */
final class LbRuntimeDoubles {

    private LbRuntimeDoubles() {}

    static RuntimeState runtimeState() {
        return new RuntimeState(new PolicyEngine("default", 16384), new NoMetrics());
    }

    static final class NoMetrics implements PolicyMetrics {
        @Override
        public <T> T compile(Supplier<T> mutation) {
            return mutation.get();
        }

        @Override
        public void overflowing(int subjects) {}

        @Override
        public void overflowed(long subject) {}
    }

    /** Never asked: the runtime is given no publisher, so its publishing thread never starts. */
    static final class NoLeadership implements Leadership {
        @Override
        public void start(Consumer<Boolean> onChange) {}

        @Override
        public boolean confirm() {
            return false;
        }

        @Override
        public void resign() {}

        @Override
        public void close() {}
    }
}
