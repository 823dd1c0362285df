package dev.tendril.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The operations of an OpenAPI 3 document (as SmallRye serves it at {@code /q/openapi?format=json}), {@code $ref}s resolved on demand. */
public final class OpenApiOperations {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> METHODS = List.of("get", "put", "post", "delete", "patch");

    /** A path, query or header parameter. */
    public record Parameter(String name, String in, boolean required, JsonNode schema) {}

    /** One operation; {@code bodySchema} is a missing node without a request body. */
    public record Operation(
            String method,
            String path,
            List<Parameter> parameters,
            JsonNode bodySchema,
            List<String> bodyMediaTypes,
            boolean bodyRequired) {

        public String key() {
            return method + " " + path;
        }

        public boolean hasBody() {
            return !bodyMediaTypes.isEmpty();
        }

        @Override
        public String toString() {
            return key();
        }
    }

    private final JsonNode document;

    private OpenApiOperations(JsonNode document) {
        this.document = document;
    }

    public static OpenApiOperations parse(String json) throws IOException {
        return new OpenApiOperations(JSON.readTree(json));
    }

    /** Every operation outside {@code /q/} (health, metrics and OpenAPI itself are Quarkus's). */
    public List<Operation> operations() {
        List<Operation> operations = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths =
                        document.path("paths").fields();
                paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            if (path.getKey().startsWith("/q/")) {
                continue;
            }
            JsonNode shared = path.getValue().path("parameters");
            for (String method : METHODS) {
                JsonNode operation = path.getValue().path(method);
                if (operation.isMissingNode()) {
                    continue;
                }
                List<Parameter> parameters = new ArrayList<>();
                for (JsonNode list : List.of(shared, operation.path("parameters"))) {
                    for (JsonNode parameter : list) {
                        JsonNode p = resolve(parameter);
                        parameters.add(new Parameter(
                                p.path("name").asText(),
                                p.path("in").asText(),
                                p.path("required").asBoolean(false),
                                resolve(p.path("schema"))));
                    }
                }
                JsonNode body = resolve(operation.path("requestBody"));
                List<String> mediaTypes = new ArrayList<>();
                JsonNode bodySchema = MissingNode.getInstance();
                for (Iterator<Map.Entry<String, JsonNode>> content =
                                body.path("content").fields();
                        content.hasNext(); ) {
                    Map.Entry<String, JsonNode> media = content.next();
                    mediaTypes.add(media.getKey());
                    if (bodySchema.isMissingNode() || media.getKey().contains("json")) {
                        bodySchema = resolve(media.getValue().path("schema"));
                    }
                }
                operations.add(new Operation(
                        method.toUpperCase(Locale.ROOT),
                        path.getKey(),
                        List.copyOf(parameters),
                        bodySchema,
                        List.copyOf(mediaTypes),
                        body.path("required").asBoolean(false)));
            }
        }
        return operations;
    }

    /** {@code node} with a {@code $ref} (to this document) followed, as often as it takes. */
    public JsonNode resolve(JsonNode node) {
        JsonNode current = node;
        for (int hops = 0; hops < 16 && current.has("$ref"); hops++) {
            String ref = current.get("$ref").asText();
            current = ref.startsWith("#") ? document.at(ref.substring(1)) : MissingNode.getInstance();
        }
        return current;
    }
}
