package dev.tendril.deploy;

import dev.tendril.cli.DurationConverter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tendril up}: runs the whole control plane on this machine until Ctrl-C or SIGTERM.
 * PostgreSQL and Kafka keep their data under the data directory, so a restart finds everything again.
 */
@Command(
        name = "tendril up",
        sortOptions = false,
        description = {
            "Run PostgreSQL, Kafka, the identity, ipam, policy and flows services and N node agents "
                    + "locally, each as a supervised child process started again when it crashes (back-off 1 s doubling "
                    + "to 30 s); Ctrl-C or SIGTERM stops them all."
        })
public final class Launcher implements Callable<Integer> {

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "Where PostgreSQL, Kafka, logs and stack.json live (default: REPO/.tendril).")
    Path dataDir;

    @Option(names = "--fresh", description = "Delete the data directory's previous contents first.")
    boolean fresh;

    @Option(
            names = "--nodes",
            paramLabel = "N",
            defaultValue = "2",
            description = "Number of node agents (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(
            names = "--kafka-port",
            paramLabel = "PORT",
            defaultValue = "9092",
            description = "Kafka port; the next free one if taken, 0 = any (default: ${DEFAULT-VALUE}).")
    int kafkaPort;

    @Option(
            names = "--postgres-port",
            paramLabel = "PORT",
            defaultValue = "5432",
            description = "PostgreSQL port; the next free one if taken, 0 = any (default: ${DEFAULT-VALUE}).")
    int postgresPort;

    @Option(
            names = "--repo",
            paramLabel = "DIR",
            defaultValue = ".",
            description = "Repository root holding the built jars (default: the current directory).")
    Path repo;

    @Option(
            names = "--port-offset",
            paramLabel = "K",
            defaultValue = "0",
            description =
                    "Add K to every service and agent HTTP port (8081-8084, 8091...), e.g. to run a second stack.")
    int portOffset;

    @Option(
            names = "--replicas",
            paramLabel = "N",
            defaultValue = "1",
            description = "Instances of each service, 1 or 2 (default: ${DEFAULT-VALUE}); the second runs as NAME-2 "
                    + "on the first one's port + 100 (8181-8184). The policy service elects one publisher.")
    int replicas;

    @Option(
            names = "--datapath",
            paramLabel = "KIND",
            defaultValue = "auto",
            description = "The agents' pod network: auto (kernel where it can run, else model with the reason), "
                    + "kernel (a network namespace, veth and the tc programs per pod; needs root, bpf(2), a bpffs, "
                    + "ip netns and a clang-built agent) or model (verdicts from the model over the maps, nothing "
                    + "wired). Default: ${DEFAULT-VALUE}.")
    Datapath datapath;

    @Option(
            names = "--bind",
            paramLabel = "ADDR",
            defaultValue = StackConfig.DEFAULT_BIND,
            description = "The address the services and agents listen on (default: ${DEFAULT-VALUE}); they serve "
                    + "only TLS, with certificates for it. Kafka and PostgreSQL stay on loopback.")
    String bind;

    @Option(
            names = "--cluster-name",
            paramLabel = "NAME",
            defaultValue = ClusterSpec.DEFAULT_NAME,
            description = "This cluster's name in a ClusterMesh: 1-32 lower-case alphanumerics or '-' "
                    + "(default: ${DEFAULT-VALUE}). Pod identities carry it as io.cilium.k8s.policy.cluster.")
    String clusterName;

    @Option(
            names = "--cluster-id",
            paramLabel = "N",
            defaultValue = "0",
            description = "This cluster's id, 0-255 (default: ${DEFAULT-VALUE}); a ClusterMesh needs 1-255, "
                    + "unique in the mesh: identities are allocated from N<<16.")
    int clusterId;

    @Option(
            names = "--pod-cidr",
            paramLabel = "CIDR",
            defaultValue = ClusterSpec.DEFAULT_POD_CIDR,
            description = "IPAM's IPv4 pod pool, nodes get /24 blocks of it (default: ${DEFAULT-VALUE}); clusters "
                    + "of a mesh need pools that do not overlap.")
    String podCidr;

    @Option(
            names = "--pod-cidr-v6",
            paramLabel = "CIDR",
            defaultValue = ClusterSpec.DEFAULT_POD_CIDR_V6,
            description = "IPAM's IPv6 pod pool, nodes get /120 blocks of it (default: ${DEFAULT-VALUE}).")
    String podCidrV6;

    @Option(
            names = "--brokers",
            paramLabel = "N",
            defaultValue = "1",
            description = "Kafka nodes, 1 or 3 (default: ${DEFAULT-VALUE}). Three form a KRaft cluster (each node "
                    + "broker and controller, kafka-1..3 on the Kafka port and the next free ones) whose topics keep "
                    + "three copies and take writes while one node is down. A data directory keeps the count it was "
                    + "made with (--fresh to change it).")
    int brokers;

    @Option(
            names = "--ready-timeout",
            paramLabel = "DURATION",
            defaultValue = "120s",
            converter = DurationConverter.class,
            description = "How long to wait for every health check (default: ${DEFAULT-VALUE}).")
    Duration readyTimeout;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help and exit.")
    boolean help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        StackConfig config;
        try {
            config = new StackConfig(
                    repo,
                    dataDir == null ? repo.resolve(".tendril") : dataDir,
                    fresh,
                    nodes,
                    kafkaPort,
                    postgresPort,
                    portOffset,
                    readyTimeout,
                    replicas,
                    datapath,
                    bind,
                    new ClusterSpec(clusterName, clusterId, podCidr, podCidrV6),
                    brokers);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        LocalStack stack = new LocalStack(config, System.out, System.err);
        stack.installSignalHandlers();
        return stack.run();
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests parse with it. */
    static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new Launcher());
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setParameterExceptionHandler((ex, arguments) -> {
            ex.getCommandLine().getErr().println("Error: " + ex.getMessage() + " (see 'tendril up --help')");
            return 2;
        });
        return cmd;
    }
}
