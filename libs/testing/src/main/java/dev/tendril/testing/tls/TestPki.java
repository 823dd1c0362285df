package dev.tendril.testing.tls;

import dev.tendril.security.Credential;
import dev.tendril.security.StackCredentials;
import dev.tendril.security.Subject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The certificates a security test presents, made once in a directory: the server's, users admin, operator and
 * viewer, agents node-1 and node-2, the policy and flows services, an admin whose certificate expired, and an admin issued
 * by a foreign authority.
 */
public record TestPki(Path directory) {

    public static final List<String> HOST_NAMES = List.of("localhost", "127.0.0.1");

    public static TestPki create(String serverName) {
        try {
            Path directory = Files.createTempDirectory("tendril-pki-");
            TestPki pki = new TestPki(directory);
            Instant now = Instant.now();
            StackCredentials stack = pki.stack();
            stack.ensureAuthority(now);
            stack.ensureService(serverName, HOST_NAMES, now);
            // With host names too: when the server under test is the policy service, this is its certificate.
            stack.ensureService("policy", HOST_NAMES, now);
            // The flows service, which asks the policy service's trace for its page.
            stack.ensureService("flows", HOST_NAMES, now);
            for (String role : List.of(Subject.ROLE_ADMIN, Subject.ROLE_OPERATOR, Subject.ROLE_VIEWER)) {
                stack.ensureUser(role, role, now);
            }
            stack.ensureNode("node-1", List.of(), now);
            stack.ensureNode("node-2", List.of(), now);
            stack.issue(
                    stack.user("expired"),
                    Subject.user("expired", Subject.ROLE_ADMIN),
                    List.of(),
                    now.minus(Duration.ofDays(400)));
            StackCredentials.in(directory.resolve("foreign")).ensureUser("admin", Subject.ROLE_ADMIN, now);
            return pki;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public StackCredentials stack() {
        return StackCredentials.in(directory.resolve("pki"));
    }

    /** The stack's authority certificate: what clients and the server trust. */
    public Path authority() {
        return stack().authority().certificate();
    }

    public Credential server(String name) {
        return stack().service(name);
    }

    public Credential user(String name) {
        return stack().user(name);
    }

    public Credential node(String name) {
        return stack().node(name);
    }

    public Credential service(String name) {
        return stack().service(name);
    }

    /** An admin certificate of this authority that expired 35 days ago. */
    public Credential expired() {
        return stack().user("expired");
    }

    /** An admin certificate from an authority the server does not trust. */
    public Credential foreign() {
        return StackCredentials.in(directory.resolve("foreign")).user("admin");
    }
}
