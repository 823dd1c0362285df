package dev.tendril.agent.adapters;

import dev.tendril.agent.AgentConfig;
import dev.tendril.agent.endpoint.IpamClient;
import dev.tendril.api.v1.Node;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jboss.logging.Logger;

/**
 * Registers this node with IPAM on start ({@code RegisterNode} with {@code tendril.agent.node-ips}, and the
 * node's fabric addresses when the kernel pod network runs, {@link PodNetworks#nodeIps}),
 * retrying with exponential backoff (0.5 s doubling to 30 s) until IPAM answers, and keeps the node's
 * pod CIDRs. Registration is idempotent in IPAM, so a restarted agent gets its CIDRs back. Off with
 * {@code tendril.agent.register-node=false} (tests without IPAM); the node then counts as registered.
 */
@ApplicationScoped
public class NodeRegistration {

    private static final Logger LOG = Logger.getLogger(NodeRegistration.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    @Inject
    AgentConfig config;

    @Inject
    IpamClient ipam;

    @Inject
    PodNetworks pods;

    private final CompletableFuture<Node> registeredNode = new CompletableFuture<>();

    private volatile Node node;
    private volatile String problem = "not registered yet";
    private volatile boolean stopping;
    private Thread thread;

    void start(@Observes StartupEvent event) {
        if (!config.registerNode()) {
            problem = null;
            LOG.info("node registration with IPAM disabled (tendril.agent.register-node=false)");
            return;
        }
        thread = Thread.ofPlatform().name("tendril-agent-register").daemon().start(this::register);
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        if (thread != null) {
            thread.interrupt();
        }
    }

    private void register() {
        Duration backoff = FIRST_BACKOFF;
        while (!stopping) {
            try {
                Node n = ipam.registerNode(config.nodeName(), pods.nodeIps());
                node = n;
                problem = null;
                registeredNode.complete(n);
                LOG.infof(
                        "registered node %s with IPAM at %s: pod CIDRs %s",
                        n.getName(), config.ipamUrl(), n.getPodCidrsList());
                return;
            } catch (RuntimeException e) {
                problem = "IPAM at " + config.ipamUrl() + ": " + e.getMessage();
                LOG.warnf(
                        "registering node %s failed (%s); retrying in %s", config.nodeName(), e.getMessage(), backoff);
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                return;
            }
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    /** True once IPAM registered the node (or registration is off). */
    public boolean registered() {
        return problem == null;
    }

    /** Why the node is not registered yet. */
    public Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    /** Completes with the node as IPAM registered it; never when registration is off. */
    public CompletionStage<Node> whenRegistered() {
        return registeredNode;
    }

    /** The node as IPAM registered it, with its pod CIDRs; empty before (or when registration is off). */
    public Optional<Node> node() {
        return Optional.ofNullable(node);
    }
}
