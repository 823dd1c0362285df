package dev.tendril.cli.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.tendril.security.ClientTls;
import dev.tendril.security.Credential;
import dev.tendril.security.SecretFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;

/**
 * The CLI's config file, shaped like a kubeconfig ({@code apiVersion: v1}, {@code kind: Config}): clusters name the
 * stack's certificate authority ({@code certificate-authority} a file, or {@code certificate-authority-data} base64
 * PEM) and where the stack is ({@code data-dir}, and its {@code services} URLs for reference); users hold a client
 * certificate and key ({@code client-certificate}/{@code client-key} files or {@code -data}); the
 * {@code current-context} picks one pair. Files are written 0600: they name or hold a private key.
 *
 * @param file    where it was read from, for messages
 * @param tls     the current context's TLS material
 * @param dataDir the current cluster's {@code data-dir}, or null
 */
public record ConfigFile(Path file, ClientTls tls, Path dataDir) {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    /** Reads the current context of {@code file}; a missing piece is an error naming the file and the key. */
    public static ConfigFile read(Path file) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
        if (root == null || !"Config".equals(root.path("kind").asText())) {
            throw new IllegalArgumentException(file + " is not a Tendril config file (kind: Config expected)");
        }
        String current = root.path("current-context").asText("");
        JsonNode context = named(root, "contexts", current, file).path("context");
        JsonNode cluster = named(root, "clusters", context.path("cluster").asText(""), file)
                .path("cluster");
        JsonNode user =
                named(root, "users", context.path("user").asText(""), file).path("user");
        Path base = file.toAbsolutePath().getParent();
        String origin = file.toString();
        ClientTls tls;
        if (cluster.hasNonNull("certificate-authority-data")) {
            tls = ClientTls.pem(
                    decode(cluster, "certificate-authority-data", file),
                    user.hasNonNull("client-certificate-data") ? decode(user, "client-certificate-data", file) : null,
                    user.hasNonNull("client-key-data") ? decode(user, "client-key-data", file) : null,
                    origin);
        } else if (cluster.hasNonNull("certificate-authority")) {
            Path ca = base.resolve(cluster.get("certificate-authority").asText());
            Credential credential = user.hasNonNull("client-certificate")
                    ? new Credential(
                            base.resolve(user.get("client-certificate").asText()),
                            base.resolve(user.path("client-key").asText("")))
                    : null;
            tls = ClientTls.files(ca, credential);
        } else {
            tls = ClientTls.PLAINTEXT;
        }
        Path dataDir = cluster.hasNonNull("data-dir")
                ? base.resolve(cluster.get("data-dir").asText())
                : null;
        return new ConfigFile(file, tls, dataDir);
    }

    /** A config whose one context points at files (the admin's, which {@code ./tendril up} writes). */
    public static void writeReferences(
            Path file, String clusterName, Path dataDir, Path authority, String userName, Credential credential) {
        ObjectNode cluster = YAML.createObjectNode();
        cluster.put("data-dir", dataDir.toString());
        cluster.put("certificate-authority", authority.toString());
        ObjectNode user = YAML.createObjectNode();
        user.put("client-certificate", credential.certificate().toString());
        user.put("client-key", credential.privateKey().toString());
        write(file, clusterName, cluster, userName, user);
    }

    /** A self-contained config: the authority, certificate and key inline (for a teammate), and the stack's URLs. */
    public static String inline(
            String clusterName,
            Path dataDir,
            Map<String, String> services,
            String authorityPem,
            String userName,
            String certificatePem,
            String keyPem) {
        ObjectNode cluster = YAML.createObjectNode();
        cluster.put("data-dir", dataDir.toString());
        if (!services.isEmpty()) {
            ObjectNode urls = cluster.putObject("services");
            services.forEach(urls::put);
        }
        cluster.put("certificate-authority-data", encode(authorityPem));
        ObjectNode user = YAML.createObjectNode();
        user.put("client-certificate-data", encode(certificatePem));
        user.put("client-key-data", encode(keyPem));
        return text(document(clusterName, cluster, userName, user));
    }

    /** Writes {@code text} to {@code file} with mode 0600 (it holds or names a private key). */
    public static void writeSecret(Path file, String text) {
        SecretFiles.write(file, text);
    }

    private static void write(Path file, String clusterName, ObjectNode cluster, String userName, ObjectNode user) {
        SecretFiles.write(file, text(document(clusterName, cluster, userName, user)));
    }

    private static ObjectNode document(String clusterName, ObjectNode cluster, String userName, ObjectNode user) {
        ObjectNode root = YAML.createObjectNode();
        root.put("apiVersion", "v1");
        root.put("kind", "Config");
        ArrayNode clusters = root.putArray("clusters");
        clusters.addObject().put("name", clusterName).set("cluster", cluster);
        ArrayNode users = root.putArray("users");
        users.addObject().put("name", userName).set("user", user);
        String contextName = userName + "@" + clusterName;
        ArrayNode contexts = root.putArray("contexts");
        ObjectNode context = contexts.addObject().put("name", contextName).putObject("context");
        context.put("cluster", clusterName);
        context.put("user", userName);
        root.put("current-context", contextName);
        return root;
    }

    private static String text(ObjectNode root) {
        try {
            return YAML.writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write YAML", e);
        }
    }

    private static JsonNode named(JsonNode root, String list, String name, Path file) {
        for (JsonNode entry : root.path(list)) {
            if (entry.path("name").asText().equals(name)) {
                return entry;
            }
        }
        throw new IllegalArgumentException(
                file + ": no entry '" + name + "' in " + list + (list.equals("contexts") ? " (current-context)" : ""));
    }

    private static String encode(String pem) {
        return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    }

    private static String decode(JsonNode node, String key, Path file) {
        try {
            return new String(Base64.getMimeDecoder().decode(node.get(key).asText()), StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + key + " is not base64", e);
        }
    }
}
