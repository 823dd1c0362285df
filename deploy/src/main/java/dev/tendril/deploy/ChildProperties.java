package dev.tendril.deploy;

import dev.tendril.cli.stack.Kind;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the launcher tells each child process with {@code -D}: where everything else of its stack is. */
final class ChildProperties {

    private ChildProperties() {}

    /**
     * The system properties of one child: its port, and for a service its database, for an agent its node,
     * services, state and pin directories and peers; Kafka's address for both.
     */
    static Map<String, String> of(
            ComponentSpec spec,
            List<ComponentSpec> all,
            StackConfig config,
            DataDir dataDir,
            StackPki pki,
            String jdbcUrl,
            String bootstrapServers) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("quarkus.http.port", Integer.toString(spec.port()));
        properties.putAll(tls(spec, config, pki));
        if (spec.kind() == Kind.SERVICE) {
            // The login (the service's own role and password) is in the file StackSecrets names.
            properties.put("quarkus.datasource.jdbc.url", jdbcUrl);
            if (spec.service().equals("policy")) {
                properties.putAll(policyServiceLinks(all));
            } else if (spec.service().equals("flows")) {
                properties.putAll(flowsServiceLinks(all));
            }
        } else {
            properties.put("tendril.agent.node-name", spec.nodeName());
            // The agent registers its node with IPAM and calls it and the identity service for its endpoint API.
            int offset = config.portOffset();
            String host = spec.host().equals(StackConfig.DEFAULT_BIND) ? "localhost" : spec.host();
            properties.put("tendril.agent.identity-url", host + ":" + (StackConfig.FIRST_SERVICE_PORT + offset));
            properties.put("tendril.agent.ipam-url", host + ":" + (StackConfig.FIRST_SERVICE_PORT + 1 + offset));
            properties.putAll(agentPolicyLink(all, host));
            properties.put("tendril.agent.node-ips", nodeIp(spec, config.cluster()));
            properties.put(
                    "tendril.agent.state-dir", dataDir.resolve(DataDir.AGENTS).toString());
            // Pins per agent port: a second stack (other ports) beside this one never shares a node's maps.
            properties.put(
                    "tendril.agent.bpffs-dir",
                    BpfFilesystem.agentPins(spec.port()).toString());
            // Every agent listens on its own port here, so the default peer address (node IP, own port) would miss.
            properties.putAll(agentPeers(all));
            properties.putAll(podNetwork(spec, config));
        }
        properties.putAll(cluster(spec, config.cluster()));
        properties.put("kafka.bootstrap.servers", bootstrapServers);
        return properties;
    }

    /** {@link #of}, and where the child's secrets are: its Kafka client certificate (written now) and database login. */
    static Map<String, String> withSecrets(
            ComponentSpec spec,
            List<ComponentSpec> all,
            StackConfig config,
            DataDir dataDir,
            StackPki pki,
            String jdbcUrl,
            String bootstrapServers) {
        Map<String, String> properties = of(spec, all, config, dataDir, pki, jdbcUrl, bootstrapServers);
        properties.putAll(StackSecrets.of(dataDir).childProperties(spec, Instant.now()));
        return properties;
    }

    /**
     * TLS on the component's port (the {@code tls} profile over {@code prod}) with its own credential, trusting the
     * stack's authority, listening on the bind address: paths only, never key material, on the command line.
     */
    static Map<String, String> tls(ComponentSpec spec, StackConfig config, StackPki pki) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("quarkus.profile", "prod,tls");
        properties.put("quarkus.http.host", config.bind());
        properties.put("tendril.tls.ca", pki.authority().toString());
        // Both from the bundle (key then certificate, replaced as one file): a reload during a rotation cannot read
        // the new certificate beside the old key.
        String bundle = pki.of(spec).bundle().toString();
        properties.put("tendril.tls.cert", bundle);
        properties.put("tendril.tls.key", bundle);
        return properties;
    }

    /**
     * Distinct loopback addresses per node, so that the nodes' ipcache entries do not collide: {@code 127.0.0.1N}
     * outside a mesh, {@code 127.<cluster-id>.0.1N} in one, so that a peer's nodes (in {@code <peer>.tendril.nodes})
     * never share a local node's address.
     */
    static String nodeIp(ComponentSpec agent, ClusterSpec cluster) {
        return "127." + cluster.id() + ".0."
                + (10 + Integer.parseInt(agent.nodeName().substring("node-".length())));
    }

    /** The cluster's name and id for every service that uses them, and IPAM's pools. */
    static Map<String, String> cluster(ComponentSpec spec, ClusterSpec cluster) {
        Map<String, String> properties = new LinkedHashMap<>();
        if (spec.kind() == Kind.AGENT) {
            // The id picks the node's fabric (underlay) addresses, which must not collide across a mesh.
            properties.put("tendril.agent.cluster-id", Integer.toString(cluster.id()));
            return properties;
        }
        switch (spec.service()) {
            case "identity" -> {
                properties.put("tendril.identity.cluster-name", cluster.name());
                properties.put("tendril.identity.cluster-id", Integer.toString(cluster.id()));
            }
            case "ipam" -> {
                properties.put("tendril.ipam.cluster", cluster.name());
                properties.put("tendril.ipam.ipv4.cidrs", cluster.podCidr());
                properties.put("tendril.ipam.ipv6.cidrs", cluster.podCidrV6());
            }
            case "policy" -> properties.put("tendril.policy.cluster-name", cluster.name());
            case "flows" -> properties.put("tendril.flows.cluster-name", cluster.name());
            default -> {}
        }
        return properties;
    }

    /**
     * The agent's pod network: the datapath, the stack's fabric prefix (every agent of the stack the same, another
     * stack another) and the node's index in the fabric, N of {@code node-N}.
     */
    static Map<String, String> podNetwork(ComponentSpec agent, StackConfig config) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("tendril.agent.pod-network", config.datapath().property());
        properties.put("tendril.agent.fabric.prefix", config.fabric().prefix());
        properties.put("tendril.agent.fabric.node-index", agent.nodeName().substring("node-".length()));
        return properties;
    }

    /** The policy service allocates CIDR peers' identities at the identity service, wherever the offset put it. */
    static Map<String, String> policyServiceLinks(List<ComponentSpec> specs) {
        Map<String, String> links = new LinkedHashMap<>();
        specs.stream()
                .filter(s -> s.name().equals("identity"))
                .findFirst()
                .ifPresent(identity -> links.put("tendril.policy.identity-url", identity.url()));
        return links;
    }

    /**
     * The agent fetches its endpoints' policy maps from the policy service's gRPC (docs/topics.md), over {@code host},
     * from any replica that answers.
     */
    static Map<String, String> agentPolicyLink(List<ComponentSpec> specs, String host) {
        Map<String, String> links = new LinkedHashMap<>();
        List<String> replicas = specs.stream()
                .filter(s -> s.kind() == Kind.SERVICE && s.service().equals("policy"))
                .map(policy -> host + ":" + policy.port())
                .toList();
        if (!replicas.isEmpty()) {
            links.put("tendril.agent.policy-url", String.join(",", replicas));
        }
        return links;
    }

    /** The flows service asks the policy service's trace for its service map page, any replica that answers. */
    static Map<String, String> flowsServiceLinks(List<ComponentSpec> specs) {
        Map<String, String> links = new LinkedHashMap<>();
        List<String> replicas = specs.stream()
                .filter(s -> s.kind() == Kind.SERVICE && s.service().equals("policy"))
                .map(ComponentSpec::url)
                .toList();
        if (!replicas.isEmpty()) {
            links.put("tendril.flows.policy-url", String.join(",", replicas));
        }
        return links;
    }

    /** {@code tendril.agent.peers."<node>"} = the agent's URL, for every agent of the stack (probes ask each other). */
    static Map<String, String> agentPeers(List<ComponentSpec> specs) {
        Map<String, String> peers = new LinkedHashMap<>();
        for (ComponentSpec s : specs) {
            if (s.kind() == Kind.AGENT) {
                peers.put("tendril.agent.peers.\"" + s.nodeName() + "\"", s.url());
            }
        }
        return peers;
    }
}
