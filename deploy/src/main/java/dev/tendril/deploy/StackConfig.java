package dev.tendril.deploy;

import dev.tendril.cli.stack.StackFabric;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What to run and where: the launcher's options with their defaults applied and checked.
 *
 * @param kafkaPort    preferred Kafka port (the next free one is used when taken; 0 = any free port)
 * @param postgresPort preferred PostgreSQL port (same rule)
 * @param portOffset   added to every service and agent HTTP port, so a second stack (a test) can run beside one
 * @param replicas     instances of each service (1 or 2); the second runs as {@code NAME-2} on the first's port
 *                     plus {@value #REPLICA_PORT_STEP} (8181-8184)
 * @param datapath     the agents' pod network ({@code auto} from the command line: the kernel where it can run)
 * @param bind         the address services and agents listen on ({@code 127.0.0.1} unless {@code --bind})
 * @param cluster      the stack's cluster name, id and pod CIDRs ({@code --cluster-name}, {@code --cluster-id},
 *                     {@code --pod-cidr}, {@code --pod-cidr-v6})
 * @param brokers      Kafka nodes ({@code --brokers}): 1, or a KRaft cluster of 3 whose topics keep three copies and
 *                     take writes with one node down
 */
record StackConfig(
        Path repo,
        Path dataDir,
        boolean fresh,
        int nodes,
        int kafkaPort,
        int postgresPort,
        int portOffset,
        Duration readyTimeout,
        int replicas,
        Datapath datapath,
        String bind,
        ClusterSpec cluster,
        int brokers) {

    static final Path RUNNER = Path.of("target", "quarkus-app", "quarkus-run.jar");
    static final List<String> SERVICES = List.of("identity", "ipam", "policy", "flows");
    static final int FIRST_SERVICE_PORT = 8081;
    static final int AGENT_PORT_BASE = 8090;
    static final int MAX_NODES = 9;
    static final int MAX_REPLICAS = 2;
    /** The second replica of a service listens this far above the first (8081 -> 8181). */
    static final int REPLICA_PORT_STEP = 100;

    static final String DATABASE = "tendril";
    /** The Kafka cluster sizes {@code --brokers} takes: one node, or three (a quorum that survives one loss). */
    static final List<Integer> BROKER_COUNTS = List.of(1, 3);

    StackConfig {
        repo = repo.toAbsolutePath().normalize();
        dataDir = dataDir.toAbsolutePath().normalize();
        if (!Files.isDirectory(repo)) {
            throw new IllegalArgumentException("--repo " + repo + " is not a directory");
        }
        if (nodes < 0 || nodes > MAX_NODES) {
            // Agent ports are 8090+n; more than 9 would run into the next block of defaults.
            throw new IllegalArgumentException("--nodes must be between 0 and " + MAX_NODES + ", was " + nodes);
        }
        checkPort("--kafka-port", kafkaPort);
        checkPort("--postgres-port", postgresPort);
        if (replicas < 1 || replicas > MAX_REPLICAS) {
            throw new IllegalArgumentException("--replicas must be 1 or " + MAX_REPLICAS + ", was " + replicas);
        }
        if (portOffset < -8000 || FIRST_SERVICE_PORT + REPLICA_PORT_STEP + SERVICES.size() + portOffset > 65_535) {
            throw new IllegalArgumentException("--port-offset " + portOffset + " moves ports out of range");
        }
        if (readyTimeout.isNegative() || readyTimeout.isZero()) {
            throw new IllegalArgumentException("--ready-timeout must be positive");
        }
        if (datapath == null) {
            throw new IllegalArgumentException("--datapath must be kernel, model or auto");
        }
        if (bind == null || bind.isBlank() || !bind.matches("[0-9A-Za-z.:-]+")) {
            throw new IllegalArgumentException("--bind must be an address such as 127.0.0.1 or 0.0.0.0, was " + bind);
        }
        if (cluster == null) {
            throw new IllegalArgumentException("--cluster-name and --cluster-id are required");
        }
        if (!BROKER_COUNTS.contains(brokers)) {
            throw new IllegalArgumentException("--brokers must be 1 or 3, was " + brokers);
        }
    }

    /** One Kafka broker, as before {@code --brokers}. */
    StackConfig(
            Path repo,
            Path dataDir,
            boolean fresh,
            int nodes,
            int kafkaPort,
            int postgresPort,
            int portOffset,
            Duration readyTimeout,
            int replicas,
            Datapath datapath,
            String bind,
            ClusterSpec cluster) {
        this(
                repo,
                dataDir,
                fresh,
                nodes,
                kafkaPort,
                postgresPort,
                portOffset,
                readyTimeout,
                replicas,
                datapath,
                bind,
                cluster,
                1);
    }

    /** This configuration with {@code brokers} Kafka nodes. */
    StackConfig withBrokers(int brokers) {
        return new StackConfig(
                repo,
                dataDir,
                fresh,
                nodes,
                kafkaPort,
                postgresPort,
                portOffset,
                readyTimeout,
                replicas,
                datapath,
                bind,
                cluster,
                brokers);
    }

    /** Not in a ClusterMesh: cluster {@code default}, id 0, IPAM's default pools. */
    StackConfig(
            Path repo,
            Path dataDir,
            boolean fresh,
            int nodes,
            int kafkaPort,
            int postgresPort,
            int portOffset,
            Duration readyTimeout,
            int replicas,
            Datapath datapath,
            String bind) {
        this(
                repo,
                dataDir,
                fresh,
                nodes,
                kafkaPort,
                postgresPort,
                portOffset,
                readyTimeout,
                replicas,
                datapath,
                bind,
                ClusterSpec.DEFAULT);
    }

    /** Listening on loopback, as before {@code --bind}. */
    StackConfig(
            Path repo,
            Path dataDir,
            boolean fresh,
            int nodes,
            int kafkaPort,
            int postgresPort,
            int portOffset,
            Duration readyTimeout,
            int replicas,
            Datapath datapath) {
        this(
                repo,
                dataDir,
                fresh,
                nodes,
                kafkaPort,
                postgresPort,
                portOffset,
                readyTimeout,
                replicas,
                datapath,
                DEFAULT_BIND);
    }

    static final String DEFAULT_BIND = "127.0.0.1";

    /**
     * The address clients of this machine reach the services and agents at: the bind address, or loopback when
     * they listen on every address.
     */
    String clientHost() {
        return bind.equals("0.0.0.0") || bind.equals("::") ? DEFAULT_BIND : bind;
    }

    /**
     * The names the services' and agents' certificates are issued for: loopback by name and address, and the bind
     * address when it is another.
     */
    java.util.List<String> hostNames() {
        java.util.List<String> names = new ArrayList<>(List.of("localhost", "127.0.0.1", "::1"));
        if (!names.contains(bind) && !bind.equals("0.0.0.0") && !bind.equals("::")) {
            names.add(bind);
        }
        return names;
    }

    /** On the model datapath: the tests that only read this configuration's components and names. */
    StackConfig(
            Path repo,
            Path dataDir,
            boolean fresh,
            int nodes,
            int kafkaPort,
            int postgresPort,
            int portOffset,
            Duration readyTimeout,
            int replicas) {
        this(repo, dataDir, fresh, nodes, kafkaPort, postgresPort, portOffset, readyTimeout, replicas, Datapath.MODEL);
    }

    /** One replica of each service, as before {@code --replicas}. */
    StackConfig(
            Path repo,
            Path dataDir,
            boolean fresh,
            int nodes,
            int kafkaPort,
            int postgresPort,
            int portOffset,
            Duration readyTimeout) {
        this(repo, dataDir, fresh, nodes, kafkaPort, postgresPort, portOffset, readyTimeout, 1);
    }

    /** The services, their second replicas, then the agents, each on its (offset) HTTP port. */
    List<ComponentSpec> components() {
        List<ComponentSpec> specs = new ArrayList<>();
        for (int i = 0; i < SERVICES.size(); i++) {
            specs.add(ComponentSpec.service(SERVICES.get(i), FIRST_SERVICE_PORT + i + portOffset, repo)
                    .at(clientHost()));
        }
        for (int r = 2; r <= replicas; r++) {
            for (int i = 0; i < SERVICES.size(); i++) {
                specs.add(ComponentSpec.replica(
                                SERVICES.get(i),
                                r,
                                FIRST_SERVICE_PORT + (r - 1) * REPLICA_PORT_STEP + i + portOffset,
                                repo)
                        .at(clientHost()));
            }
        }
        for (int n = 1; n <= nodes; n++) {
            specs.add(ComponentSpec.agent(n, AGENT_PORT_BASE + n + portOffset, repo)
                    .at(clientHost()));
        }
        return specs;
    }

    /**
     * What the {@code ./tendril} commands need to find this stack: {@code " --data-dir DIR"} for a data directory
     * other than the default {@code REPO/.tendril}, else nothing.
     */
    String dataDirOption() {
        return dataDir.equals(repo.resolve(".tendril")) ? "" : " --data-dir " + dataDir;
    }

    /** The names of this stack's kernel pod network: by its data directory, which no other running stack shares. */
    StackFabric fabric() {
        return StackFabric.of(dataDir);
    }

    Path logsDir() {
        return dataDir.resolve("logs");
    }

    private static void checkPort(String option, int port) {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException(option + " must be 0 (any free port) or 1-65535, was " + port);
        }
    }
}
