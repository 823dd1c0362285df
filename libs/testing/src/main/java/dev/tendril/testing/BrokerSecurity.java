package dev.tendril.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How a secured broker authenticates and authorizes: mutual TLS on every listener (the controller's too) with the
 * broker's own PEM certificate and key, client certificates required and trusted when issued by {@code authority},
 * the principal the certificate's common name ({@code User:service:identity} for {@code CN=service:identity,O=...}),
 * and KRaft's {@code StandardAuthorizer} ({@link CachingAuthorizer}: its answers remembered until an ACL changes)
 * denying whatever no ACL allows, except to the super users.
 *
 * @param authority PEM file of the certificate authorities whose client certificates the broker accepts
 * @param certificate PEM certificate chain of the broker (host names 127.0.0.1 and localhost)
 * @param privateKey PEM PKCS#8 key of the broker
 * @param superUsers principals allowed everything, e.g. {@code User:service:kafka}; the broker's own principal must be
 *     one, since it talks to its controller through the same listeners
 */
public record BrokerSecurity(Path authority, Path certificate, Path privateKey, List<String> superUsers) {

    /** Maps the subject's CN to the principal name; other subjects keep their whole distinguished name. */
    public static final String PRINCIPAL_MAPPING = "RULE:^(?:.*,)?CN=([^,]+)(?:,.*)?$/$1/,DEFAULT";

    public BrokerSecurity {
        superUsers = List.copyOf(superUsers);
    }

    /**
     * The client properties of a TLS client presenting {@code certificate} and {@code privateKey} and trusting
     * {@code authority}: PEM given inline, so nothing is written to disk (Kafka keeps these values out of its logs).
     */
    public static Map<String, Object> clientProperties(Path authority, Path certificate, Path privateKey) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("security.protocol", "SSL");
        properties.put("ssl.truststore.type", "PEM");
        properties.put("ssl.truststore.certificates", read(authority));
        properties.put("ssl.keystore.type", "PEM");
        properties.put("ssl.keystore.certificate.chain", read(certificate));
        properties.put("ssl.keystore.key", read(privateKey));
        return properties;
    }

    /** The properties of a client that is the broker itself (a super user): for setting up topics and ACLs. */
    public Map<String, Object> superUserClientProperties() {
        return clientProperties(authority, certificate, privateKey);
    }

    /** The broker's own TLS and authorizer settings, for every listener. */
    Map<String, Object> brokerProperties() {
        Map<String, Object> properties = new HashMap<>();
        properties.put("ssl.truststore.type", "PEM");
        properties.put("ssl.truststore.certificates", read(authority));
        properties.put("ssl.keystore.type", "PEM");
        properties.put("ssl.keystore.certificate.chain", read(certificate));
        properties.put("ssl.keystore.key", read(privateKey));
        properties.put("ssl.client.auth", "required");
        properties.put("ssl.principal.mapping.rules", PRINCIPAL_MAPPING);
        properties.put("authorizer.class.name", CachingAuthorizer.class.getName());
        properties.put("allow.everyone.if.no.acl.found", "false");
        properties.put("super.users", String.join(";", superUsers));
        return properties;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
