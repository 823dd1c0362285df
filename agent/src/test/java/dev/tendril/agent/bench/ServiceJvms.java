package dev.tendril.agent.bench;

import dev.tendril.agent.sim.StateTopics;
import dev.tendril.testing.FreePorts;
import dev.tendril.testing.PostgresServer;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The identity and the policy service of a churn run with {@code -Dservices=real}: each a JVM of its own from its
 * packaged runner jar, plaintext and without authentication (as their tests run them), both in one database of an
 * embedded PostgreSQL (each its own schema, as {@code ./tendril up} lays them out), against the driver's broker and
 * the run's topics. The properties are those {@code deploy}'s {@code ChildProperties} gives a service, minus TLS and
 * secrets: port, datasource, Kafka, cluster name and id, the policy service's identity-service address.
 */
final class ServiceJvms implements AutoCloseable {

    /** One running service. */
    record Service(String name, Process process, int port) {

        String url() {
            return "http://127.0.0.1:" + port;
        }

        /** Its CPU (user + system) so far, as /proc/PID/stat counts it. */
        long cpuNanos() {
            return process.toHandle()
                    .info()
                    .totalCpuDuration()
                    .orElse(Duration.ZERO)
                    .toNanos();
        }
    }

    private final PostgresServer database;
    private final List<Service> services = new ArrayList<>();
    private final Path logs;

    private ServiceJvms(PostgresServer database, Path logs) {
        this.database = database;
        this.logs = logs;
    }

    /** Starts both services (identity first: the policy service calls it) and waits for their readiness. */
    static ServiceJvms start(Path work, String bootstrapServers, StateTopics topics, int partitions, String heap)
            throws IOException, InterruptedException {
        // The repository root: the working directory, or its parent when run from the agent module (Maven's exec).
        Path root = Path.of("").toAbsolutePath();
        if (!Files.isDirectory(root.resolve("services"))) {
            root = root.getParent();
        }
        Path identityJar = runnerJar(root, "identity");
        Path policyJar = runnerJar(root, "policy");
        // Kept after the run (the data directory is not): why a service failed is there.
        Path logs = Files.createTempDirectory("tendril-churn-services-");
        ServiceJvms jvms = new ServiceJvms(PostgresServer.start(work.resolve("postgres"), 0), logs);
        try {
            jvms.database.createDatabaseIfMissing("tendril");
            Map<String, String> identity = jvms.common(bootstrapServers);
            identity.put("tendril.identity.cluster-name", "default");
            identity.put("tendril.identity.cluster-id", "0");
            identity.put("tendril.identity.topics.identities", topics.identities());
            identity.put("tendril.identity.topics.endpoints", topics.endpoints());
            identity.put("tendril.identity.topics.nodes", topics.nodes());
            Service id = jvms.launch("identity", identityJar, identity, heap);
            Map<String, String> policy = jvms.common(bootstrapServers);
            policy.put("tendril.policy.cluster-name", "default");
            policy.put("tendril.policy.identity-url", id.url());
            policy.put("tendril.policy.topics.identities", topics.identities());
            policy.put("tendril.policy.topics.endpoints", topics.endpoints());
            policy.put("tendril.policy.topics.policy", topics.policy());
            policy.put("tendril.policy.topics.policy-revisions", topics.policyRevisions());
            policy.put("tendril.policy.topics.policy-partitions", Integer.toString(partitions));
            policy.put("tendril.policy.topics.services", topics.services());
            policy.put("tendril.policy.topics.peer-services", topics.services());
            jvms.launch("policy", policyJar, policy, heap);
            for (Service s : jvms.services) {
                jvms.awaitReady(s);
            }
            return jvms;
        } catch (IOException | InterruptedException | RuntimeException e) {
            jvms.close();
            throw e;
        }
    }

    private static Path runnerJar(Path root, String service) {
        Path jar = root.resolve("services/" + service + "/target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing (-Dservices=real starts the services from their"
                    + " runner jars): ./mvnw -B -o -q -pl services/identity,services/policy package -DskipTests");
        }
        return jar;
    }

    private Map<String, String> common(String bootstrapServers) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("quarkus.http.port", Integer.toString(FreePorts.pick()));
        p.put("quarkus.datasource.jdbc.url", database.jdbcUrl("tendril"));
        p.put("quarkus.datasource.username", database.username());
        p.put("quarkus.datasource.password", database.password());
        p.put("kafka.bootstrap.servers", bootstrapServers);
        return p;
    }

    private Service launch(String name, Path jar, Map<String, String> properties, String heap) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap,
                "--enable-native-access=ALL-UNNAMED"));
        // Diagnosis, e.g. a flight recording of the exceptions thrown: -DserviceJvmArgs="-XX:StartFlightRecording:..."
        for (String option : System.getProperty("serviceJvmArgs", "").trim().split("\\s+")) {
            if (!option.isEmpty()) {
                command.add(option);
            }
        }
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", jar.toString()));
        Path log = logs.resolve(name + ".log");
        Process process = new ProcessBuilder(command)
                .directory(logs.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Service service = new Service(name, process, Integer.parseInt(properties.get("quarkus.http.port")));
        services.add(service);
        return service;
    }

    private void awaitReady(Service s) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        URI ready = URI.create(s.url() + "/q/health/ready");
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            if (!s.process().isAlive()) {
                throw new IllegalStateException(s.name() + " service exited with "
                        + s.process().exitValue() + " (its log: " + logs.resolve(s.name() + ".log") + ")");
            }
            try {
                HttpResponse<Void> r = http.send(
                        HttpRequest.newBuilder(ready)
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(
                s.name() + " service not ready within 5 minutes (its log: " + logs.resolve(s.name() + ".log") + ")");
    }

    Service identity() {
        return services.get(0);
    }

    Service policy() {
        return services.get(1);
    }

    Path logs() {
        return logs;
    }

    @Override
    public void close() {
        for (Service s : services.reversed()) {
            s.process().destroy();
        }
        for (Service s : services) {
            try {
                if (!s.process().waitFor(20, TimeUnit.SECONDS)) {
                    s.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                s.process().destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        database.stop();
    }
}
