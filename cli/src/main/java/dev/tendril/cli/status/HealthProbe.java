package dev.tendril.cli.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.Kind;
import dev.tendril.security.ClientTls;
import dev.tendril.security.ReloadingHttpClient;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Checks components: services and agents by their readiness endpoint, Kafka and PostgreSQL by a TCP connect. */
public final class HealthProbe {

    static final String READY_PATH = "/q/health/ready";
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ReloadingHttpClient http;

    /** Plaintext, without a client certificate. */
    public HealthProbe() {
        this(ClientTls.PLAINTEXT);
    }

    /**
     * @param tls the stack's authority and the certificate to present to its https health endpoints, read again when
     *     they change: the launcher probes for as long as the stack runs, across {@code credentials rotate}
     *     (an authority's too)
     */
    public HealthProbe(ClientTls tls) {
        this.http = new ReloadingHttpClient(
                tls, builder -> builder.version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT));
    }

    /** Checks all components at once; the result keeps their order. */
    public List<ComponentHealth> checkAll(List<Component> components) {
        List<Future<ComponentHealth>> pending = new ArrayList<>();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Component component : components) {
                pending.add(executor.submit(() -> check(component)));
            }
        }
        return pending.stream().map(Future::resultNow).toList();
    }

    public ComponentHealth check(Component component) {
        if (component.kind() == Kind.MIRROR) {
            return checkProcess(component);
        }
        return component.kind().hasHealthEndpoint() ? checkHttp(component) : checkTcp(component);
    }

    /**
     * MirrorMaker 2 has no endpoint: OK while its process lives ({@code tendril clustermesh status} tells whether it
     * keeps up with the peer).
     */
    private static ComponentHealth checkProcess(Component component) {
        boolean alive = component.pid() != null
                && ProcessHandle.of(component.pid()).map(ProcessHandle::isAlive).orElse(false);
        return alive
                ? ComponentHealth.of(component, Health.OK, "replicating from " + component.url())
                : ComponentHealth.of(component, Health.DOWN, "not running; see its log");
    }

    private ComponentHealth checkHttp(Component component) {
        URI uri = URI.create(component.url() + READY_PATH);
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build();
        try {
            HttpResponse<String> response = http.current().send(request, HttpResponse.BodyHandlers.ofString());
            String status = healthStatus(response.body());
            ComponentHealth health = response.statusCode() == 200 && "UP".equals(status)
                    ? ComponentHealth.of(component, Health.OK, null)
                    : ComponentHealth.of(component, Health.DOWN, downDetail(response.statusCode(), response.body()));
            return health.withPodNetwork(podNetwork(response.body()));
        } catch (HttpTimeoutException e) {
            return ComponentHealth.of(component, Health.UNREACHABLE, "no answer within " + TIMEOUT.toSeconds() + " s");
        } catch (ConnectException e) {
            return ComponentHealth.of(component, Health.UNREACHABLE, "connection refused");
        } catch (IOException e) {
            return ComponentHealth.of(component, Health.UNREACHABLE, describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ComponentHealth.of(component, Health.UNREACHABLE, "interrupted");
        }
    }

    private static ComponentHealth checkTcp(Component component) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(Component.HOST, component.port()), (int) TIMEOUT.toMillis());
            return ComponentHealth.of(component, Health.OK, null);
        } catch (ConnectException e) {
            return ComponentHealth.of(component, Health.UNREACHABLE, "connection refused");
        } catch (IOException e) {
            return ComponentHealth.of(component, Health.UNREACHABLE, describe(e));
        }
    }

    private static String healthStatus(String body) {
        try {
            return JSON.readTree(body).path("status").asText(null);
        } catch (IOException e) {
            return null;
        }
    }

    /** An agent's {@code podNetwork} from the data of its readiness checks; null when no check says it. */
    static String podNetwork(String body) {
        try {
            for (JsonNode check : JSON.readTree(body).path("checks")) {
                JsonNode text = check.path("data").path("podNetwork");
                if (text.isTextual()) {
                    return text.asText();
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /** "HTTP 503: not ready: Database connections health check" - names the checks that are DOWN when the body lists them. */
    private static String downDetail(int statusCode, String body) {
        List<String> down = new ArrayList<>();
        try {
            for (JsonNode check : JSON.readTree(body).path("checks")) {
                if (!"UP".equals(check.path("status").asText())) {
                    // A stalled relay names the event it is stopped at; an operator needs it to act.
                    String stalledAt = check.path("data").path("stalledAt").asText("");
                    down.add(check.path("name").asText("?")
                            + (stalledAt.isEmpty() ? "" : " (stalled at " + stalledAt + ")"));
                }
            }
        } catch (IOException e) {
            return "HTTP " + statusCode + " (not a health response)";
        }
        return "HTTP " + statusCode + (down.isEmpty() ? "" : ": not ready: " + String.join(", ", down));
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
