package dev.tendril.deploy;

import dev.tendril.cli.stack.Kind;
import dev.tendril.security.Credential;
import dev.tendril.security.StackCredentials;
import dev.tendril.testing.BrokerSecurity;
import dev.tendril.testing.KafkaBroker;
import dev.tendril.testing.KafkaQuorum;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;

/**
 * The Kafka JVM the launcher starts and supervises: one KRaft node in combined mode (broker and controller) on a
 * fixed port of 127.0.0.1, storage formatted once under the given directory. Clients authenticate with certificates
 * from the stack's authority (mutual TLS, the principal is the certificate's common name) and may do only what
 * {@link KafkaAcls} grants, which this process makes the broker's ACLs before it says it is ready. Runs until
 * SIGTERM, which shuts the broker down. Arguments: {@code KAFKA_DIR PORT PKI_DIR [NODE...]}, the nodes whose agents
 * may read the map topics and write flows.
 */
public final class KafkaProcess {

    static final String READY = "Kafka is ready on ";
    /** The broker's own principal, a super user (it reaches its controller through the same TLS listeners). */
    static final String BROKER = "kafka";

    static final List<String> BROKER_HOST_NAMES = List.of("127.0.0.1", "localhost");

    /** How often the broker's certificate files are looked at: as often as services reload theirs. */
    static final long RELOAD_SECONDS = 10;

    static final String NODE_PROPERTY = "tendril.kafka.node";
    static final String CONTROLLERS_PROPERTY = "tendril.kafka.controllers";
    static final String CLUSTER_ID_PROPERTY = "tendril.kafka.cluster-id";

    private KafkaProcess() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 3) {
            System.err.println("usage: KafkaProcess KAFKA_DIR PORT PKI_DIR [NODE...]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        int port = Integer.parseInt(args[1]);
        StackCredentials pki = StackCredentials.in(Path.of(args[2]));
        List<String> nodes = Arrays.asList(args).subList(3, args.length);
        KafkaQuorum quorum = quorum(
                System.getProperty(NODE_PROPERTY),
                System.getProperty(CONTROLLERS_PROPERTY),
                System.getProperty(CLUSTER_ID_PROPERTY));
        KafkaBroker broker;
        try {
            broker = quorum == null
                    ? KafkaBroker.startSecured(dir, port, security(pki, Instant.now()))
                    : KafkaBroker.startClusterNode(dir, port, quorum, security(pki, Instant.now()));
            try (Admin admin = Admin.create(broker.adminClientProperties())) {
                // The ClusterMesh peers' remote topics stay readable across restarts (peers.json beside kafka/).
                KafkaAcls.apply(admin, nodes, new MeshPeers(dir.toAbsolutePath().getParent()).names());
            }
        } catch (Exception e) {
            System.err.println("Kafka did not start on port " + port + ": " + e);
            e.printStackTrace();
            System.exit(1);
            return;
        }
        watchCertificate(
                broker, pki.authority().certificate(), pki.service(BROKER), quorum == null ? 1 : quorum.nodeId());
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
        String node = quorum == null
                ? ""
                : "node " + quorum.nodeId() + " of " + quorum.controllerPorts().size() + ", ";
        System.out.println(READY + broker.bootstrapServers() + " (" + node + "data in " + dir
                + ", mutual TLS, ACLs for " + KafkaAcls.SERVICES.size() + " services and nodes " + nodes + ")");
        stopped.await();
    }

    /**
     * Hands the broker its trusted authorities and certificate files at start (see {@link BrokerCertificateReload}),
     * then again every {@link #RELOAD_SECONDS} if they changed (rotation).
     */
    private static void watchCertificate(KafkaBroker broker, Path authorities, Credential files, int nodeId) {
        BrokerCertificateReload reload = new BrokerCertificateReload(authorities, files, nodeId);
        Thread.ofPlatform().name("kafka-certificate-reload").daemon().start(() -> {
            Admin admin = null;
            try {
                boolean first = true;
                while (true) {
                    if (admin == null) {
                        admin = Admin.create(currentAdmin(broker, authorities, files));
                    }
                    boolean renew;
                    try {
                        renew = reload.reloadIfChanged(admin);
                        if (renew && !first) {
                            System.out.println("Kafka serves its rotated certificate (" + files.certificate() + ")");
                        }
                    } catch (RuntimeException e) {
                        System.err.println(e.getMessage());
                        renew = true;
                    }
                    if (renew) {
                        // Its next connection presents the broker's files as they are now and trusts the bundle as
                        // it is now: after an authority's switch or retirement the old ones are refused.
                        admin.close();
                        admin = null;
                    }
                    first = false;
                    TimeUnit.SECONDS.sleep(RELOAD_SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                if (admin != null) {
                    admin.close();
                }
            }
        });
    }

    /** The broker's admin client with the broker's credential and the trust bundle as the files hold them now. */
    private static Map<String, Object> currentAdmin(KafkaBroker broker, Path authorities, Credential files) {
        Map<String, Object> properties = new HashMap<>(broker.adminClientProperties());
        properties.putAll(BrokerSecurity.clientProperties(authorities, files.certificate(), files.privateKey()));
        return properties;
    }

    /**
     * The Kafka JVM's command after {@code jvm}: this class, its directory in the data directory ({@code directory}),
     * port and the stack's pki directory, the nodes of the stack's agents, and for a node of a cluster
     * ({@code quorum} not null) its place in it as system properties.
     */
    static List<String> command(
            List<String> jvm,
            DataDir dataDir,
            String directory,
            int port,
            KafkaQuorum quorum,
            List<ComponentSpec> specs) {
        List<String> command = new ArrayList<>(jvm);
        if (quorum != null) {
            command.add("-D" + NODE_PROPERTY + "=" + quorum.nodeId());
            command.add("-D" + CONTROLLERS_PROPERTY + "="
                    + quorum.controllerPorts().entrySet().stream()
                            .map(e -> e.getKey() + ":" + e.getValue())
                            .collect(java.util.stream.Collectors.joining(",")));
            command.add("-D" + CLUSTER_ID_PROPERTY + "=" + quorum.clusterId());
        }
        command.add(KafkaProcess.class.getName());
        command.add(dataDir.resolve(directory).toString());
        command.add(Integer.toString(port));
        command.add(dataDir.resolve(StackSecrets.PKI).toString());
        specs.stream()
                .filter(s -> s.kind() == Kind.AGENT)
                .map(ComponentSpec::nodeName)
                .forEach(command::add);
        return command;
    }

    /** The node's place in its cluster from the three properties, or null when none is set (a lone broker). */
    static KafkaQuorum quorum(String node, String controllers, String clusterId) {
        if (node == null && controllers == null && clusterId == null) {
            return null;
        }
        if (node == null || controllers == null || clusterId == null) {
            throw new IllegalArgumentException("a cluster node needs all of " + NODE_PROPERTY + ", "
                    + CONTROLLERS_PROPERTY + " and " + CLUSTER_ID_PROPERTY);
        }
        TreeMap<Integer, Integer> ports = new TreeMap<>();
        for (String voter : controllers.split(",")) {
            String[] idAndPort = voter.split(":");
            if (idAndPort.length != 2) {
                throw new IllegalArgumentException(
                        CONTROLLERS_PROPERTY + " must be ID:PORT,ID:PORT,..., was " + controllers);
            }
            ports.put(Integer.parseInt(idAndPort[0].trim()), Integer.parseInt(idAndPort[1].trim()));
        }
        return new KafkaQuorum(Integer.parseInt(node.trim()), ports, clusterId);
    }

    /**
     * The client properties of the broker's own principal, the super user: what an operator (or a test) uses to read
     * any topic or to add the ACLs of a node the launcher did not start (docs/security.md).
     */
    static Map<String, Object> superUserClient(DataDir dataDir) {
        return security(StackSecrets.of(dataDir).credentials(), Instant.now()).superUserClientProperties();
    }

    /** The broker's credential (issued on first use) and the stack's authority as the only one it trusts. */
    static BrokerSecurity security(StackCredentials pki, Instant now) {
        Credential broker = pki.ensureService(BROKER, BROKER_HOST_NAMES, now);
        return new BrokerSecurity(
                pki.authority().certificate(),
                broker.certificate(),
                broker.privateKey(),
                List.of(KafkaAcls.servicePrincipal(BROKER)));
    }
}
