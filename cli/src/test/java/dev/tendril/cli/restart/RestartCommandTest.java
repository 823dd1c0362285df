package dev.tendril.cli.restart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.tendril.cli.TendrilCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RestartCommandTest {

    @TempDir
    Path dataDir;

    private final List<String> requests = new ArrayList<>();
    private HttpServer control;

    @AfterEach
    void stopControl() {
        if (control != null) {
            control.stop(0);
        }
    }

    @Test
    void asksTheLaunchersControlEndpointToRestartTheComponent() throws IOException {
        writeSupervisor(controlEndpoint(200, "{\"name\":\"ipam\",\"previousPid\":100,\"pid\":200,\"restarts\":1}"));

        Result text = run("restart", "ipam", "--data-dir", dataDir.toString());
        Result json = run("restart", "ipam", "--data-dir", dataDir.toString(), "-o", "json");

        assertThat(text.exitCode).isZero();
        assertThat(requests).containsExactly("POST /v1/components/ipam/restart", "POST /v1/components/ipam/restart");
        assertThat(text.out).startsWith("Restarted ipam: pid 100 -> 200 (restarts: 1)");
        assertThat(new ObjectMapper().readTree(json.out).path("pid").asLong()).isEqualTo(200);
    }

    @Test
    void rejectsAnUnknownComponentInOneLineWithoutAskingTheLauncher() throws IOException {
        writeSupervisor(controlEndpoint(200, "{}"));

        Result result = run("restart", "nope", "--data-dir", dataDir.toString());

        assertThat(result.exitCode).isEqualTo(TendrilCommand.EXIT_ERROR);
        assertThat(result.err.lines())
                .containsExactly("Error: unknown component 'nope' (the stack runs: postgres, kafka, ipam)");
        assertThat(requests).isEmpty();
    }

    @Test
    void saysInOneLineWhenNoLauncherRuns() throws IOException {
        Result none = run("restart", "ipam", "--data-dir", dataDir.toString());
        Files.writeString(dataDir.resolve(SupervisorFile.NAME), """
                {"launcherPid":%d,"control":"http://127.0.0.1:1","components":[{"name":"ipam","restarts":0}]}""".formatted(Long.MAX_VALUE / 2));
        Result dead = run("restart", "ipam", "--data-dir", dataDir.toString());

        assertThat(none.exitCode).isEqualTo(TendrilCommand.EXIT_ERROR);
        assertThat(none.err.lines()).singleElement().asString().startsWith("Error: no launcher runs from ");
        assertThat(dead.exitCode).isEqualTo(TendrilCommand.EXIT_ERROR);
        assertThat(dead.err.lines()).singleElement().asString().contains("is not running");
    }

    @Test
    void passesOnTheLaunchersRefusalInOneLine() throws IOException {
        writeSupervisor(controlEndpoint(
                409, "{\"title\":\"Cannot restart ipam\",\"status\":409,\"detail\":\"the stack is stopping\"}"));

        Result result = run("restart", "ipam", "--data-dir", dataDir.toString());

        assertThat(result.exitCode).isEqualTo(TendrilCommand.EXIT_ERROR);
        assertThat(result.err.lines()).containsExactly("Error: the stack is stopping");
    }

    private String controlEndpoint(int status, String body) throws IOException {
        control = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        control.createContext("/v1/components", exchange -> {
            synchronized (requests) {
                requests.add(exchange.getRequestMethod() + " "
                        + exchange.getRequestURI().getPath());
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        control.start();
        return "http://127.0.0.1:" + control.getAddress().getPort();
    }

    private void writeSupervisor(String controlUrl) throws IOException {
        new SupervisorFile(
                        ProcessHandle.current().pid(),
                        controlUrl,
                        List.of(
                                new SupervisorFile.Supervised("postgres", "running", 1L, 0, null),
                                new SupervisorFile.Supervised("kafka", "running", 2L, 0, null),
                                new SupervisorFile.Supervised("ipam", "running", 100L, 0, null)))
                .write(dataDir);
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = TendrilCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return new Result(cmd.execute(args), out.toString(), err.toString());
    }

    private record Result(int exitCode, String out, String err) {}
}
