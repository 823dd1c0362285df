package dev.tendril.testing;

import java.util.function.Supplier;

/**
 * Runs broker start and stop with this library's class loader as the thread's context class loader.
 *
 * <p>Kafka instantiates configured classes (the share-group state persister, log4j plugins) through the
 * context class loader, and the threads it starts inherit it. Under Quarkus that loader is not the one
 * that loaded Kafka, and the broker fails with NoSuchMethodException or ClassCastException.
 */
final class OwnContextClassLoader {

    private OwnContextClassLoader() {}

    static <T> T call(Supplier<T> action) {
        var thread = Thread.currentThread();
        var previous = thread.getContextClassLoader();
        thread.setContextClassLoader(OwnContextClassLoader.class.getClassLoader());
        try {
            return action.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    static void run(Runnable action) {
        call(() -> {
            action.run();
            return null;
        });
    }
}
