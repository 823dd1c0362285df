package dev.tendril.deploy;

import dev.tendril.testing.KafkaBroker;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The Kafka JVM the launcher starts and supervises: one KRaft node in combined mode (broker and controller) on a
 * fixed port, storage formatted once under the given directory. Runs until SIGTERM, which shuts the broker down.
 * Arguments: {@code KAFKA_DIR PORT}.
 */
public final class KafkaProcess {

    static final String READY = "Kafka is ready on ";

    private KafkaProcess() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 2) {
            System.err.println("usage: KafkaProcess KAFKA_DIR PORT");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        int port = Integer.parseInt(args[1]);
        KafkaBroker broker;
        try {
            broker = KafkaBroker.start(dir, port);
        } catch (RuntimeException e) {
            System.err.println("Kafka did not start on port " + port + ": " + e);
            e.printStackTrace();
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            System.out.println("Stopping Kafka on " + broker.bootstrapServers());
                            broker.close();
                            System.out.println("Kafka stopped");
                            stopped.countDown();
                        },
                        "kafka-stop"));
        System.out.println(READY + broker.bootstrapServers() + " (data in " + dir + ")");
        stopped.await();
    }
}
