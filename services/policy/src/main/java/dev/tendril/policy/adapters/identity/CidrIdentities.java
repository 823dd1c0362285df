package dev.tendril.policy.adapters.identity;

import dev.tendril.policy.adapters.PolicyServiceConfig;
import dev.tendril.policy.adapters.kafka.ProtoMapping;
import dev.tendril.policy.adapters.persistence.PolicyJson;
import dev.tendril.policy.app.CidrIdentityAllocator;
import dev.tendril.rest.security.ComponentTls;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Makes sure every CIDR a policy names has an identity ({@code cidr:<prefix>}, {@code reserved:world}) by
 * calling the identity service's allocate-or-reuse ({@code POST /v1/identities}). The identity comes back
 * through tendril.identities, where the policy's selector picks it up. Runs off the request thread, after
 * the policy is stored; while the identity service is unreachable it retries in the background.
 */
@ApplicationScoped
public class CidrIdentities implements CidrIdentityAllocator {

    private static final Logger LOG = Logger.getLogger(CidrIdentities.class);

    @Inject
    PolicyServiceConfig config;

    private final Set<String> pending = ConcurrentHashMap.newKeySet();
    private final Set<String> allocated = ConcurrentHashMap.newKeySet();

    /** The client of the identity service: this service's certificate, made again when a rotation changed it. */
    @Inject
    ComponentTls tls;

    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r ->
            Thread.ofPlatform().name("tendril-policy-cidr-identities").daemon().unstarted(r));
    private volatile boolean retryScheduled;
    private volatile boolean failing;

    /** Queues prefixes (e.g. {@code 10.0.0.0/8}) that have no allocated identity yet in this process. */
    @Override
    public void ensure(Collection<String> prefixes) {
        boolean added = false;
        for (String p : prefixes) {
            if (!allocated.contains(p) && pending.add(p)) {
                added = true;
            }
        }
        if (added) {
            worker.execute(this::drain);
        }
    }

    /** Prefixes still waiting for the identity service. */
    public Set<String> pending() {
        return Set.copyOf(pending);
    }

    /** Prefixes the identity service allocated (or already had). */
    public Set<String> allocated() {
        return Set.copyOf(allocated);
    }

    void stop(@Observes ShutdownEvent event) {
        worker.shutdownNow();
    }

    private void drain() {
        for (String prefix : List.copyOf(pending)) {
            try {
                allocate(prefix);
                pending.remove(prefix);
                allocated.add(prefix);
                if (failing) {
                    failing = false;
                    LOG.infof("identity service at %s reachable again", config.identityUrl());
                }
            } catch (Refused e) {
                pending.remove(prefix);
                LOG.errorf("the identity service refused the identity of CIDR %s: %s", prefix, e.getMessage());
            } catch (Exception e) {
                if (!failing) {
                    LOG.warnf(
                            "cannot allocate the identity of CIDR %s at %s (%s); the policy is stored, retrying every %s",
                            prefix, config.identityUrl(), e.getMessage(), config.identityRetry());
                }
                failing = true;
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                    return;
                }
                scheduleRetry();
                return;
            }
        }
    }

    private void scheduleRetry() {
        if (retryScheduled || worker.isShutdown()) {
            return;
        }
        retryScheduled = true;
        worker.schedule(
                () -> {
                    retryScheduled = false;
                    drain();
                },
                config.identityRetry().toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private void allocate(String prefix) throws Exception {
        byte[] body = PolicyJson.write(
                Map.of("labels", List.of("cidr:" + ProtoMapping.cidrKeyToWire(prefix), "reserved:world")));
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create(config.identityUrl().replaceAll("/+$", "") + "/v1/identities"))
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        HttpResponse<String> response = tls.http().send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 == 4) {
            throw new Refused("HTTP " + response.statusCode() + ": " + response.body());
        }
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException("HTTP " + response.statusCode() + ": " + response.body());
        }
        LOG.debugf("CIDR %s has identity %s", prefix, response.body());
    }

    /** A 4xx answer: retrying cannot help. */
    private static final class Refused extends Exception {
        Refused(String message) {
            super(message);
        }
    }
}
