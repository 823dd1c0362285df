package dev.tendril.deploy;

import dev.tendril.cli.stack.Kind;
import dev.tendril.security.Credential;
import dev.tendril.security.SecretFiles;
import dev.tendril.security.StackCredentials;
import dev.tendril.security.Subject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The secrets of a local stack's children, kept in 0600 files under {@code <data-dir>/pki} (0700) that each child
 * reads itself, because a command line is visible to every user of the machine:
 *
 * <pre>
 * pki/kafka-clients/&lt;service|node&gt;.crt, .key, .pem   Kafka client certificate (CN=service:&lt;name&gt; or
 *                                                  node:&lt;node&gt;) and the key + chain file Kafka's PEM keystore reads
 * pki/postgres/&lt;role&gt;.password                      the superuser's (postgres) and each service role's password
 * pki/postgres/&lt;service&gt;.properties                 the service's database login, read through quarkus.config.locations
 * </pre>
 */
final class StackSecrets {

    static final String PKI = DataDir.PKI;
    static final String SUPERUSER = "postgres";
    /** Above application.properties (250) and a working directory's config (260), below -D (400) and env (300). */
    private static final int DATASOURCE_ORDINAL = 275;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final StackCredentials pki;

    StackSecrets(Path pkiDirectory) {
        this.pki = StackCredentials.in(pkiDirectory);
    }

    static StackSecrets of(DataDir dataDir) {
        return new StackSecrets(dataDir.resolve(PKI));
    }

    StackCredentials credentials() {
        return pki;
    }

    /** {@code tendril_<service>}: the login role that owns the service's schema and nothing else. */
    static String role(String service) {
        return "tendril_" + service;
    }

    Path passwordFile(String role) {
        return postgresDirectory().resolve(role + ".password");
    }

    Path datasourceProperties(String service) {
        return postgresDirectory().resolve(service + ".properties");
    }

    /** The role's password from its file, if there is one. */
    Optional<String> existingPassword(String role) {
        Path file = passwordFile(role);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readString(file).strip());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The role's password, made up (256 random bits) and written on first use. */
    String password(String role) {
        return existingPassword(role).orElseGet(() -> {
            byte[] bytes = new byte[32];
            RANDOM.nextBytes(bytes);
            String password = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            SecretFiles.write(passwordFile(role), password + System.lineSeparator());
            return password;
        });
    }

    /** Writes the service's database login where {@link #childProperties} tells the service to look. */
    void writeDatasourceProperties(String service, String password) {
        SecretFiles.write(
                datasourceProperties(service),
                "# The " + service + " service's database login, written by the launcher at every start.\n"
                        + "config_ordinal=" + DATASOURCE_ORDINAL + "\n"
                        + "quarkus.datasource.username=" + role(service) + "\n"
                        + "quarkus.datasource.password=" + password + "\n");
    }

    /**
     * The properties that point one child at its secrets: every child's Kafka client (mutual TLS with its own
     * certificate, issued here unless still good), and a service's database login file. Writes the Kafka PEM file.
     */
    Map<String, String> childProperties(ComponentSpec spec, Instant now) {
        Map<String, String> properties = new LinkedHashMap<>();
        Subject subject = spec.kind() == Kind.SERVICE ? Subject.service(spec.service()) : Subject.node(spec.nodeName());
        String name = spec.kind() == Kind.SERVICE ? spec.service() : spec.nodeName();
        properties.putAll(kafkaClient(name, subject, now));
        if (spec.kind() == Kind.SERVICE) {
            properties.put(
                    "quarkus.config.locations",
                    datasourceProperties(spec.service()).toAbsolutePath().toString());
        }
        return properties;
    }

    /** The {@code kafka.*} properties of a client presenting {@code subject}'s certificate. */
    Map<String, String> kafkaClient(String name, Subject subject, Instant now) {
        Path directory = pki.directory().resolve(StackCredentials.KAFKA_CLIENTS);
        Credential files = new Credential(directory.resolve(name + ".crt"), directory.resolve(name + ".key"));
        Path keystore = pki.ensure(files, subject, List.of(), now).bundle();
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("kafka.security.protocol", "SSL");
        properties.put("kafka.ssl.truststore.type", "PEM");
        properties.put(
                "kafka.ssl.truststore.location",
                pki.authority().certificate().toAbsolutePath().toString());
        properties.put("kafka.ssl.keystore.type", "PEM");
        properties.put("kafka.ssl.keystore.location", keystore.toAbsolutePath().toString());
        // Reads both files again when they change: `tendril credentials rotate` reaches running clients' next
        // connections.
        properties.put("kafka.ssl.engine.factory.class", "dev.tendril.topics.ReloadingSslEngineFactory");
        return properties;
    }

    private Path postgresDirectory() {
        return pki.directory().resolve("postgres");
    }
}
