package dev.tendril.cli.restart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.security.ClientTls;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The running launcher's control endpoint (loopback, admin certificate), found in {@code supervisor.json}: what
 * {@code tendril restart} and {@code tendril clustermesh} ask it.
 */
public final class LauncherControl {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final SupervisorFile supervisor;
    private final HttpClient http;

    private LauncherControl(SupervisorFile supervisor, HttpClient http) {
        this.supervisor = supervisor;
        this.http = http;
    }

    /** The launcher of {@code dataDir}; fails, saying how to start one, when none runs there. */
    public static LauncherControl of(Path dataDir, ClientTls tls) {
        SupervisorFile supervisor = SupervisorFile.read(dataDir)
                .orElseThrow(() -> new IllegalStateException(
                        "no launcher runs from " + dataDir.toAbsolutePath().normalize() + " (no " + SupervisorFile.NAME
                                + "): start one with './tendril up'"));
        if (supervisor.control() == null
                || ProcessHandle.of(supervisor.launcherPid())
                        .filter(ProcessHandle::isAlive)
                        .isEmpty()) {
            throw new IllegalStateException("the launcher (pid " + supervisor.launcherPid() + ") of "
                    + dataDir.toAbsolutePath().normalize()
                    + " is not running or not ready: start it with './tendril up'");
        }
        HttpClient http = tls.configure(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)))
                .build();
        return new LauncherControl(supervisor, http);
    }

    public SupervisorFile supervisor() {
        return supervisor;
    }

    /**
     * Sends {@code method PATH} with an optional JSON body; returns the JSON answer of a 2xx, else throws with the
     * problem's detail.
     */
    public JsonNode send(String method, String path, Object body, Duration timeout)
            throws IOException, InterruptedException {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(supervisor.control() + path)).timeout(timeout);
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(
                    "the launcher's control endpoint " + supervisor.control() + " does not answer: " + e.getMessage(),
                    e);
        }
        JsonNode answer = JSON.readTree(response.body());
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException(answer.path("detail").asText("HTTP " + response.statusCode()));
        }
        return answer;
    }
}
