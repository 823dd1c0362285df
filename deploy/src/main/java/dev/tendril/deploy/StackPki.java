package dev.tendril.deploy;

import dev.tendril.cli.config.ConfigDiscovery;
import dev.tendril.cli.config.ConfigFile;
import dev.tendril.cli.stack.Kind;
import dev.tendril.security.ClientTls;
import dev.tendril.security.Credential;
import dev.tendril.security.StackCredentials;
import dev.tendril.security.Subject;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The stack's credentials in {@code <data-dir>/pki} (0700, files 0600): its authority, a certificate per service (the
 * replicas of one share it), per node agent (with its node address), for the Kafka broker, the launcher's control
 * endpoint and the admin, and the admin's CLI config {@code <data-dir>/tendril.conf}. Each start keeps what is still
 * good and renews what nears expiry or names other hosts.
 */
final class StackPki {

    static final String DIRECTORY = DataDir.PKI;
    static final String ADMIN = "admin";
    /** The launcher's own control endpoint ({@code tendril restart}). */
    static final String LAUNCHER = "launcher";

    private final StackCredentials credentials;
    private final StackConfig config;

    private StackPki(StackCredentials credentials, StackConfig config) {
        this.credentials = credentials;
        this.config = config;
    }

    static StackPki of(StackConfig config) {
        return new StackPki(StackCredentials.in(config.dataDir().resolve(DIRECTORY)), config);
    }

    /** Makes or keeps every credential the components need, and the admin's config file. */
    void ensure(PrintStream out, List<ComponentSpec> specs, Instant now) {
        credentials.ensureAuthority(now);
        List<String> services = new ArrayList<>(List.of("kafka", LAUNCHER));
        for (ComponentSpec spec : specs) {
            if (spec.kind() == Kind.SERVICE && !services.contains(spec.service())) {
                services.add(spec.service());
            } else if (spec.kind() == Kind.AGENT) {
                credentials.ensureNode(spec.nodeName(), nodeHostNames(spec), now);
            }
        }
        for (String service : services) {
            credentials.ensureService(service, config.hostNames(), now);
        }
        credentials.ensureUser(ADMIN, Subject.ROLE_ADMIN, now);
        ConfigFile.writeReferences(
                adminConfig(),
                "tendril",
                config.dataDir(),
                authority(),
                ADMIN,
                credentials.user(ADMIN).bundled());
        out.printf(
                "%-10s certificates in %s, the admin's CLI config %s%n",
                "pki", ComponentTable.display(credentials.directory()), ComponentTable.display(adminConfig()));
    }

    /** The agent's certificate also names its node address, where its peers and the pods reach it. */
    private List<String> nodeHostNames(ComponentSpec agent) {
        List<String> names = new ArrayList<>(config.hostNames());
        String nodeIp = ChildProperties.nodeIp(agent, config.cluster());
        if (!names.contains(nodeIp)) {
            names.add(nodeIp);
        }
        return names;
    }

    Path authority() {
        return credentials.authority().certificate();
    }

    Path adminConfig() {
        return config.dataDir().resolve(ConfigDiscovery.STACK_CONFIG);
    }

    /** A component's own credential: its service's, or its node's. */
    Credential of(ComponentSpec spec) {
        return spec.kind() == Kind.AGENT ? credentials.node(spec.nodeName()) : credentials.service(spec.service());
    }

    Credential service(String name) {
        return credentials.service(name);
    }

    /** How the launcher's own checks reach the components: as the admin. */
    ClientTls admin() {
        return ClientTls.files(authority(), credentials.user(ADMIN).bundled());
    }
}
