package dev.tendril.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.tendril.security.Credential;
import dev.tendril.security.Subject;
import dev.tendril.security.TlsContexts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The launcher's control endpoint, on the stack's bind address ({@code --bind}, loopback by default) at {@value
 * #PORT_BASE} plus the port offset (or the next free port), written to {@code supervisor.json}:
 * {@code GET /v1/components} (the supervisor's state) and {@code POST /v1/components/NAME/restart}, the
 * ClusterMesh peers ({@link MeshEndpoint}) and the grants other clusters ask for ({@link MeshGrantEndpoint}).
 * HTTPS with the launcher's certificate, and a client certificate of the stack's authority with the admin role is
 * required (a connection without one fails the handshake, another role is answered 403): restarting components is
 * an admin's act. Errors are application/problem+json.
 */
final class ControlServer implements AutoCloseable {

    private static final String PREFIX = "/v1/components";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;

    private ControlServer(HttpServer server) {
        this.server = server;
    }

    /** The control endpoint's port is this above the port offset (8080 by default), or the next free one. */
    static final int PORT_BASE = 8080;

    /** The stack's: on {@code --bind} at {@value #PORT_BASE} plus the port offset (or the next free port). */
    static ControlServer start(StackConfig config, Supervisor supervisor, ClusterMesh mesh, StackPki pki) {
        InetAddress bind;
        try {
            bind = InetAddress.getByName(config.bind());
        } catch (java.net.UnknownHostException e) {
            throw new StartupFailure("--bind " + config.bind() + " is no address of this machine: " + e.getMessage());
        }
        int port = Ports.preferredOrNextFree(PORT_BASE + config.portOffset(), java.util.Set.of());
        return start(supervisor, mesh, pki.authority(), pki.service(StackPki.LAUNCHER), bind, port);
    }

    static ControlServer start(Supervisor supervisor, Path authority, Credential own) {
        return start(supervisor, null, authority, own, InetAddress.getLoopbackAddress(), 0);
    }

    /**
     * With {@code mesh}: also {@code /v1/clustermesh/peers} ({@link MeshEndpoint}) and the grants
     * ({@link MeshGrantEndpoint}). Listens on {@code bind} at {@code port} (0: any free port).
     */
    static ControlServer start(
            Supervisor supervisor, ClusterMesh mesh, Path authority, Credential own, InetAddress bind, int port) {
        try {
            HttpsServer server = HttpsServer.create(new InetSocketAddress(bind, port), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(TlsContexts.reloading(authority, own)) {
                @Override
                public void configure(HttpsParameters parameters) {
                    SSLParameters ssl = getSSLContext().getDefaultSSLParameters();
                    ssl.setNeedClientAuth(true);
                    parameters.setSSLParameters(ssl);
                }
            });
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext(PREFIX, exchange -> handle(supervisor, exchange));
            if (mesh != null) {
                server.createContext(MeshEndpoint.PREFIX, exchange -> {
                    try (exchange) {
                        String role = role(exchange);
                        if (!Subject.ROLE_ADMIN.equals(role)) {
                            problem(
                                    exchange,
                                    403,
                                    "Forbidden",
                                    "ClusterMesh changes need the admin role, the certificate presented has "
                                            + (role == null ? "none" : "'" + role + "'"));
                            return;
                        }
                        MeshEndpoint.handle(mesh, exchange);
                    }
                });
                server.createContext(MeshGrantEndpoint.CLUSTER, exchange -> {
                    try (exchange) {
                        MeshGrantEndpoint.cluster(mesh.grants(), exchange, caller(exchange));
                    }
                });
                server.createContext(MeshGrantEndpoint.GRANTS, exchange -> {
                    try (exchange) {
                        MeshGrantEndpoint.grants(mesh.grants(), exchange, caller(exchange));
                    }
                });
            }
            server.start();
            return new ControlServer(server);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the launcher's control endpoint: " + e.getMessage(), e);
        }
    }

    /** Where clients reach it: its address, loopback when it listens on every address. */
    String url() {
        InetAddress address = server.getAddress().getAddress();
        String host = address.isAnyLocalAddress() ? "127.0.0.1" : address.getHostAddress();
        return "https://" + (host.contains(":") ? "[" + host + "]" : host) + ":"
                + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private static void handle(Supervisor supervisor, HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            String role = role(exchange);
            if (!Subject.ROLE_ADMIN.equals(role)) {
                problem(
                        exchange,
                        403,
                        "Forbidden",
                        "the launcher's control endpoint needs the admin role, the certificate presented has "
                                + (role == null ? "none" : "'" + role + "'"));
                return;
            }
            if (path.equals(PREFIX) || path.equals(PREFIX + "/")) {
                if (!method.equals("GET")) {
                    problem(exchange, 405, "Method not allowed", "use GET " + PREFIX);
                    return;
                }
                send(exchange, 200, "application/json", supervisor.snapshot());
                return;
            }
            String rest = path.substring(PREFIX.length() + 1);
            if (!rest.endsWith("/restart") || rest.indexOf('/') != rest.length() - "/restart".length()) {
                problem(exchange, 404, "Not found", "no such resource: " + path);
                return;
            }
            if (!method.equals("POST")) {
                problem(exchange, 405, "Method not allowed", "use POST " + path);
                return;
            }
            String name = rest.substring(0, rest.length() - "/restart".length());
            Optional<Supervisor.Restarted> restarted;
            try {
                restarted = supervisor.restart(name);
            } catch (IllegalStateException e) {
                problem(exchange, 409, "Cannot restart " + name, e.getMessage());
                return;
            } catch (RuntimeException e) {
                problem(exchange, 500, "Cannot restart " + name, e.toString());
                return;
            }
            if (restarted.isEmpty()) {
                problem(
                        exchange,
                        404,
                        "Unknown component",
                        "unknown component '" + name + "' (the stack runs: " + String.join(", ", supervisor.names())
                                + ")");
                return;
            }
            send(exchange, 200, "application/json", restarted.get());
        }
    }

    /** The organization (role) of the client certificate, or null. */
    private static String role(HttpExchange exchange) {
        return caller(exchange).role();
    }

    /** The common name and organization (role) of the client certificate; nulls without one. */
    private static MeshGrantEndpoint.Caller caller(HttpExchange exchange) {
        try {
            X509Certificate client =
                    (X509Certificate) ((HttpsExchange) exchange).getSSLSession().getPeerCertificates()[0];
            String commonName = null;
            String organization = null;
            for (Rdn rdn : new LdapName(client.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("O")) {
                    organization = rdn.getValue().toString();
                } else if (rdn.getType().equalsIgnoreCase("CN")) {
                    commonName = rdn.getValue().toString();
                }
            }
            return new MeshGrantEndpoint.Caller(commonName, organization);
        } catch (SSLPeerUnverifiedException | InvalidNameException | ClassCastException e) {
            return new MeshGrantEndpoint.Caller(null, null);
        }
    }

    static void problem(HttpExchange exchange, int status, String title, String detail) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        send(exchange, status, "application/problem+json", body);
    }

    static void send(HttpExchange exchange, int status, String type, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
