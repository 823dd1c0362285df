package dev.tendril.testing;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps an in-process broker and its clients at WARNING outside Quarkus applications. Before a
 * Quarkus application configures logging, the JBoss LogManager's root logger accepts every level, so
 * Kafka formats each TRACE and DEBUG message (request dumps, record strings) only for it to be dropped:
 * measurable CPU on a two-core machine (docs/BENCHMARKS.md). A Quarkus app later applies its own levels.
 */
final class KafkaLogLevels {

    // Strong references: java.util.logging keeps loggers weakly, and a collected logger loses its level.
    private static final List<Logger> QUIETED = List.of(
            Logger.getLogger("kafka"),
            Logger.getLogger("org.apache.kafka"),
            Logger.getLogger("org.apache.zookeeper"),
            Logger.getLogger("io.zonky"));

    private KafkaLogLevels() {}

    static void quiet() {
        for (Logger logger : QUIETED) {
            if (logger.getLevel() == null) {
                logger.setLevel(Level.WARNING);
            }
        }
    }
}
