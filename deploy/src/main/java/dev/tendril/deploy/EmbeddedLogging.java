package dev.tendril.deploy;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * Kafka and PostgreSQL run inside the launcher (PostgreSQL's output arrives through zonky's logger): their log
 * records go to {@code logs/kafka.log} and {@code logs/postgres.log}, so the console shows only the launcher.
 */
final class EmbeddedLogging {

    private static final List<String> POSTGRES_LOGGERS = List.of("io.zonky", "org.postgresql");
    // java.util.logging holds loggers weakly; configured ones must stay referenced or lose their handlers.
    private static final List<Logger> CONFIGURED = new ArrayList<>();

    private EmbeddedLogging() {
    }

    static synchronized void routeTo(Path kafkaLog, Path postgresLog) {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        root.setLevel(Level.INFO);
        root.addHandler(fileHandler(kafkaLog));
        CONFIGURED.add(root);
        Handler postgres = fileHandler(postgresLog);
        for (String name : POSTGRES_LOGGERS) {
            Logger logger = Logger.getLogger(name);
            logger.setUseParentHandlers(false);
            logger.addHandler(postgres);
            CONFIGURED.add(logger);
        }
    }

    private static Handler fileHandler(Path file) {
        try {
            StreamHandler handler = new StreamHandler(new FileOutputStream(file.toFile(), true), new LineFormatter()) {
                @Override
                public synchronized void publish(LogRecord record) {
                    super.publish(record);
                    flush();
                }
            };
            handler.setLevel(Level.ALL);
            return handler;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open log file " + file, e);
        }
    }

    /** {@code 2025-01-31 12:00:00.123 INFO    [kafka.server.KafkaRaftServer] message}. */
    private static final class LineFormatter extends Formatter {
        @Override
        public String format(LogRecord record) {
            String line = String.format("%1$tF %1$tT.%1$tL %2$-7s [%3$s] %4$s%n", record.getMillis(),
                    record.getLevel().getName(), record.getLoggerName(), formatMessage(record));
            if (record.getThrown() == null) {
                return line;
            }
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            return line + trace;
        }
    }
}
