package dev.tendril.cli.ipam;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class IpamCommandsTest {

    private static final String NODES = """
            [{"name":"node-1","ips":["192.168.0.10"],"podCIDRs":["10.0.0.0/24","fd00::/120"],\
            "routerIPs":["10.0.0.1","fd00::1"],"cluster":"default"},\
            {"name":"node-2","ips":[],"podCIDRs":["10.0.1.0/24"],"routerIPs":["10.0.1.1"],"cluster":"default"}]""";
    private static final String POOLS = """
            [{"family":"ipv4","cidrs":["10.0.0.0/8"],"nodeMask":24,"size":65536,"used":2,"free":65534,\
            "podIpsAllocated":7},\
            {"family":"ipv6","cidrs":["fd00::/104"],"nodeMask":120,"size":65536,"used":1,"free":65535,\
            "podIpsAllocated":3}]""";

    @TempDir
    Path dataDir;

    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private void serve(int status, String nodes, String pools) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/nodes", exchange -> respond(exchange, status, nodes));
        server.createContext("/v1/pools", exchange -> respond(exchange, status, pools));
        server.start();
        Files.writeString(dataDir.resolve("stack.json"), """
                {"launcherPid":1,"components":[{"name":"ipam","kind":"service","port":%d,\
                "url":"http://127.0.0.1:%d","pid":1}]}""".formatted(
                        server.getAddress().getPort(), server.getAddress().getPort()));
    }

    private static void respond(com.sun.net.httpserver.HttpExchange exchange, int status, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders()
                .add("Content-Type", status >= 400 ? "application/problem+json" : "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Test
    void getNodesPrintsATable() throws IOException {
        serve(200, NODES, POOLS);
        Result result = run("get", "nodes", "--data-dir", dataDir.toString());
        assertThat(result.exitCode).isZero();
        assertThat(result.out.lines().toList()).hasSize(3);
        assertThat(result.out).containsPattern("(?m)^NAME\\s+IPS\\s+POD-CIDRS\\s+CLUSTER$");
        assertThat(result.out)
                .containsPattern("(?m)^node-1\\s+192\\.168\\.0\\.10\\s+10\\.0\\.0\\.0/24,fd00::/120\\s+default$");
        assertThat(result.out).containsPattern("(?m)^node-2\\s+<none>\\s+10\\.0\\.1\\.0/24\\s+default$");
    }

    @Test
    void getNodesPrintsJson() throws IOException {
        serve(200, NODES, POOLS);
        Result result = run("get", "nodes", "--data-dir", dataDir.toString(), "-o", "json");
        assertThat(result.exitCode).isZero();
        JsonNode json = new ObjectMapper().readTree(result.out);
        assertThat(json.get(0).path("podCIDRs").get(1).asText()).isEqualTo("fd00::/120");
        assertThat(json).hasSize(2);
    }

    @Test
    void ipamStatusPrintsEachPool() throws IOException {
        serve(200, NODES, POOLS);
        Result result = run("ipam", "status", "--data-dir", dataDir.toString());
        assertThat(result.exitCode).isZero();
        assertThat(result.out)
                .containsPattern("(?m)^FAMILY\\s+CIDRS\\s+NODE-MASK\\s+NODE-CIDRS\\s+USED\\s+FREE\\s+POD-IPS$");
        assertThat(result.out).containsPattern("(?m)^ipv4\\s+10\\.0\\.0\\.0/8\\s+/24\\s+65536\\s+2\\s+65534\\s+7$");
        assertThat(result.out).containsPattern("(?m)^ipv6\\s+fd00::/104\\s+/120\\s+65536\\s+1\\s+65535\\s+3$");
        Result json = run("ipam", "status", "--data-dir", dataDir.toString(), "-o", "json");
        assertThat(new ObjectMapper().readTree(json.out).get(1).path("used").asInt())
                .isEqualTo(1);
    }

    @Test
    void aProblemFromTheServiceIsOneLineAndExitOne() throws IOException {
        serve(
                503,
                "{\"title\":\"Service unavailable\",\"detail\":\"database down\",\"status\":503}",
                "{\"title\":\"Service unavailable\",\"detail\":\"database down\",\"status\":503}");
        Result result = run("ipam", "status", "--data-dir", dataDir.toString());
        assertThat(result.exitCode).isEqualTo(TendrilCommand.EXIT_ERROR);
        assertThat(result.err.lines()).hasSize(1);
        assertThat(result.err).contains("Service unavailable: database down (HTTP 503)");
    }

    @Test
    void anUnreachableServiceIsOneLine() throws IOException {
        serve(200, NODES, POOLS);
        server.stop(0);
        server = null;
        Result result = run("get", "nodes", "--data-dir", dataDir.toString());
        assertThat(result.exitCode).isEqualTo(TendrilCommand.EXIT_ERROR);
        assertThat(result.err).startsWith("Error: ipam service not reachable");
    }

    @Test
    void ipamWithoutASubcommandIsAUsageError() {
        Result result = run("ipam");
        assertThat(result.exitCode).isEqualTo(TendrilCommand.EXIT_USAGE);
        assertThat(result.err).contains("tendril ipam status");
    }

    private record Result(int exitCode, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = TendrilCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int exitCode = cmd.execute(args);
        return new Result(exitCode, out.toString(), err.toString());
    }
}
