package dev.tendril.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Requests generated from an OpenAPI operation: valid-shaped path and query parameters and bodies (from
 * the schema, or a known-valid example) mutated into the edge cases a careless or hostile client sends.
 */
public final class RestFuzzCases {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** One generated request; the path and query are already percent-encoded. */
    public record RestCase(OpenApiOperations.Operation operation, String pathAndQuery, String contentType, String body) {

        @Override
        public String toString() {
            return operation.method() + " " + EdgeHttp.cut(pathAndQuery) + (contentType == null ? "" : " [" + contentType + "]")
                    + (body == null ? "" : " " + EdgeHttp.cut(body));
        }
    }

    /** Where to start: valid bodies by operation key ({@code PUT /v1/x/{name}}), valid parameter values by name. */
    public record Seeds(Map<String, String> bodies, Map<String, String> parameters, Map<String, List<String>> extraQuery) {
    }

    private enum Mutation { REPLACE, REMOVE, EXTRA_FIELD, NEST }

    /** Path segments as sent, already encoded: traversal, NUL, encoded slashes, overlong UTF-8, huge and numeric edges. */
    private static final List<String> EDGE_SEGMENTS = List.of("%00", "..", ".", "%2e%2e", "%2F", "a%2Fb", "%20", "%09",
            "a".repeat(300), "a".repeat(2000), "A", "-a", "a-", "a_b", "a.b", "%F0%9F%99%82", "%C0%AF", "%FF", "%EF%BB%BF",
            "0", "-1", "1.5", "1e3", "99999999999999999999", "9223372036854775808", "%0A", "a;b", "*", "%25", "reserved:host",
            "%7B%7D", "null", "true", "%E2%80%AE", "x%00y");
    private static final List<String> EDGE_QUERY_VALUES = List.of("", "-1", "0", "1.5", "abc", "99999999999999999999",
            "9223372036854775808", "-9223372036854775809", "%00", "true", "TRUE", "yes", "a".repeat(300), "%FF", "%2F%2E%2E",
            "k8s%3Aapp%3Dx", "%3D%3D", "reserved%3Ahost", "1e309", "NaN");
    private static final List<String> RAW_BODIES = List.of("", " ", "null", "[]", "{}", "\"s\"", "1", "-0", "true", "{",
            "{\"a\":", "[1,2", "\uFEFF{}", "{}{}", "{} x", "{\"a\":1,\"a\":2}", "{'a':1}", "{\"a\":NaN}", "{\"a\":01}",
            "{\"a\":1e99999}", "{\"\u0000\":1}", "[".repeat(100_000), "{\"a\":".repeat(1000) + "1" + "}".repeat(1000));

    private final OpenApiOperations document;
    private final Seeds seeds;

    public RestFuzzCases(OpenApiOperations document, Seeds seeds) {
        this.document = document;
        this.seeds = seeds;
    }

    /** Cases spread evenly over {@code operations}. */
    public Arbitrary<RestCase> cases(List<OpenApiOperations.Operation> operations) {
        return Arbitraries.oneOf(operations.stream().map(this::cases).toList());
    }

    public Arbitrary<RestCase> cases(OpenApiOperations.Operation operation) {
        Arbitrary<String> path = path(operation);
        Arbitrary<String> query = query(operation);
        Arbitrary<String> contentType = contentType(operation);
        Arbitrary<String> body = body(operation);
        return Combinators.combine(path, query, contentType, body).as((p, q, type, b) ->
                new RestCase(operation, p + q, type.isEmpty() ? null : type, b));
    }

    private Arbitrary<String> path(OpenApiOperations.Operation operation) {
        List<Arbitrary<String>> segments = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (String part : operation.path().split("/")) {
            if (part.startsWith("{") && part.endsWith("}")) {
                String name = part.substring(1, part.length() - 1);
                names.add(name);
                OpenApiOperations.Parameter parameter = operation.parameters().stream()
                        .filter(p -> p.in().equals("path") && p.name().equals(name)).findFirst().orElse(null);
                segments.add(Arbitraries.frequencyOf(
                        Tuple.of(4, validParameter(name, parameter == null ? NullNode.getInstance() : parameter.schema())
                                .map(RestFuzzCases::encode)),
                        Tuple.of(2, Arbitraries.of(EDGE_SEGMENTS))));
            }
        }
        if (segments.isEmpty()) {
            return Arbitraries.just(operation.path());
        }
        return Combinators.combine(segments).as(values -> {
            String path = operation.path();
            for (int i = 0; i < names.size(); i++) {
                path = path.replace("{" + names.get(i) + "}", values.get(i));
            }
            return path;
        });
    }

    private Arbitrary<String> query(OpenApiOperations.Operation operation) {
        List<Arbitrary<String>> pairs = new ArrayList<>();
        List<String> declared = new ArrayList<>();
        for (OpenApiOperations.Parameter parameter : operation.parameters()) {
            if (parameter.in().equals("query")) {
                declared.add(parameter.name());
                pairs.add(queryPair(parameter.name(), parameter.schema()));
            }
        }
        for (String extra : seeds.extraQuery().getOrDefault(operation.path(), List.of())) {
            declared.add(extra);
            pairs.add(queryPair(extra, NullNode.getInstance()));
        }
        pairs.add(Arbitraries.frequencyOf(Tuple.of(9, Arbitraries.just("")), Tuple.of(1, Arbitraries.of("fuzzUnknown=1", "=", "&&",
                "%00=%00", declared.isEmpty() ? "a=1&a=2" : declared.getFirst() + "=a&" + declared.getFirst() + "=b"))));
        return Combinators.combine(pairs).as(values -> {
            String joined = String.join("&", values.stream().filter(v -> !v.isEmpty()).toList());
            return joined.isEmpty() ? "" : "?" + joined;
        });
    }

    private Arbitrary<String> queryPair(String name, JsonNode schema) {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just("")),
                Tuple.of(2, validParameter(name, schema).map(v -> name + "=" + encode(v))),
                Tuple.of(2, Arbitraries.of(EDGE_QUERY_VALUES).map(v -> name + "=" + v)));
    }

    private Arbitrary<String> validParameter(String name, JsonNode schema) {
        String seed = seeds.parameters().get(name);
        Arbitrary<String> shaped = switch (scalarType(document.resolve(schema))) {
            case "integer", "number" -> Arbitraries.integers().between(0, 100).map(String::valueOf);
            case "boolean" -> Arbitraries.of("true", "false");
            default -> Arbitraries.strings().withCharRange('a', 'z').withChars('-').ofMinLength(1).ofMaxLength(12)
                    .map(s -> "fuzz" + s);
        };
        return seed == null ? shaped : Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(seed)), Tuple.of(1, shaped));
    }

    private String scalarType(JsonNode schema) {
        JsonNode type = schema.path("type");
        if (type.isArray()) {
            for (JsonNode t : type) {
                if (!t.asText().equals("null")) {
                    return t.asText();
                }
            }
        }
        if (type.asText().equals("array")) {
            return scalarType(document.resolve(schema.path("items")));
        }
        return type.asText("string");
    }

    private Arbitrary<String> contentType(OpenApiOperations.Operation operation) {
        if (!operation.hasBody()) {
            return Arbitraries.frequencyOf(Tuple.of(19, Arbitraries.just("")), Tuple.of(1, Arbitraries.just("application/json")));
        }
        String json = operation.bodyMediaTypes().stream().filter(t -> t.contains("json")).findFirst()
                .orElse(operation.bodyMediaTypes().getFirst());
        return Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.just(json)),
                Tuple.of(1, Arbitraries.of(operation.bodyMediaTypes())),
                Tuple.of(1, Arbitraries.of("text/plain", "application/xml", "application/json; charset=ISO-8859-1",
                        "application/x-www-form-urlencoded", "application/json;;", "*/*", "")));
    }

    private Arbitrary<String> body(OpenApiOperations.Operation operation) {
        if (!operation.hasBody()) {
            return Arbitraries.frequencyOf(Tuple.of(19, Arbitraries.just((String) null)), Tuple.of(1, Arbitraries.just("{}")));
        }
        Arbitrary<JsonNode> shaped = valid(operation.bodySchema(), 0);
        String seed = seeds.bodies().get(operation.key());
        Arbitrary<JsonNode> base = seed == null ? shaped
                : Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(read(seed))), Tuple.of(1, shaped));
        Arbitrary<JsonNode> mutated = Combinators.combine(base, Arbitraries.of(Mutation.values()),
                Arbitraries.integers().between(0, 10_000), edgeValues(), Arbitraries.of(2, 16, 63, 64, 65, 200, 900))
                .as(RestFuzzCases::mutate);
        Arbitrary<String> truncated = Combinators.combine(base, Arbitraries.integers().between(0, 10_000))
                .as((node, at) -> {
                    String text = node.toString();
                    return text.substring(0, at % Math.max(1, text.length()));
                });
        return Arbitraries.frequencyOf(
                Tuple.of(2, base.map(JsonNode::toString)),
                Tuple.of(12, mutated.map(JsonNode::toString)),
                Tuple.of(1, Combinators.combine(mutated, mutated).as((a, b) -> a.toString() + b)),
                Tuple.of(1, truncated),
                Tuple.of(1, Arbitraries.of(RAW_BODIES)));
    }

    /** A value of {@code schema}'s shape: every required property, some optional ones, small arrays and maps. */
    Arbitrary<JsonNode> valid(JsonNode schemaOrRef, int depth) {
        JsonNode schema = document.resolve(schemaOrRef);
        if (schema.has("enum")) {
            List<JsonNode> values = new ArrayList<>();
            schema.get("enum").forEach(values::add);
            return Arbitraries.of(values);
        }
        for (String combined : List.of("allOf", "oneOf", "anyOf")) {
            if (schema.has(combined) && !schema.get(combined).isEmpty()) {
                return valid(schema.get(combined).get(0), depth);
            }
        }
        if (depth > 6) {
            return Arbitraries.just(NullNode.getInstance());
        }
        String type = scalarType(schema);
        if (schema.path("type").asText().equals("array")) {
            return valid(schema.path("items"), depth + 1).list().ofMaxSize(3).map(items -> {
                ArrayNode array = NODES.arrayNode();
                items.forEach(array::add);
                return array;
            });
        }
        if (type.equals("object") || schema.has("properties") || schema.has("additionalProperties")) {
            return object(schema, depth);
        }
        return switch (type) {
            case "integer" -> Arbitraries.integers().between(0, 100).map(i -> (JsonNode) IntNode.valueOf(i));
            case "number" -> Arbitraries.integers().between(0, 100).map(i -> (JsonNode) IntNode.valueOf(i));
            case "boolean" -> Arbitraries.of(true, false).map(b -> (JsonNode) BooleanNode.valueOf(b));
            default -> schema.path("format").asText().equals("date-time")
                    ? Arbitraries.just(TextNode.valueOf("2026-01-01T00:00:00Z"))
                    : Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(10).map(TextNode::valueOf);
        };
    }

    private Arbitrary<JsonNode> object(JsonNode schema, int depth) {
        List<String> names = new ArrayList<>();
        List<Arbitrary<JsonNode>> values = new ArrayList<>();
        List<String> required = new ArrayList<>();
        schema.path("required").forEach(r -> required.add(r.asText()));
        for (Iterator<Map.Entry<String, JsonNode>> properties = schema.path("properties").fields(); properties.hasNext(); ) {
            Map.Entry<String, JsonNode> property = properties.next();
            names.add(property.getKey());
            Arbitrary<JsonNode> value = valid(property.getValue(), depth + 1);
            values.add(required.contains(property.getKey()) ? value : value.injectNull(0.3));
        }
        JsonNode additional = schema.path("additionalProperties");
        Arbitrary<Map<String, JsonNode>> extra = additional.isObject()
                ? Arbitraries.maps(Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(8),
                valid(additional, depth + 1)).ofMaxSize(3)
                : Arbitraries.just(Map.of());
        Arbitrary<List<JsonNode>> declared = values.isEmpty() ? Arbitraries.just(List.of()) : Combinators.combine(values).as(l -> l);
        return Combinators.combine(declared, extra).as((list, map) -> {
            ObjectNode object = NODES.objectNode();
            for (int i = 0; i < names.size(); i++) {
                if (list.get(i) != null) {
                    object.set(names.get(i), list.get(i));
                }
            }
            map.forEach(object::set);
            return object;
        });
    }

    /** Wrong types, nulls, empty, huge, unicode and control-character strings, negative, huge and fractional numbers. */
    static Arbitrary<JsonNode> edgeValues() {
        List<JsonNode> fixed = List.of(NullNode.getInstance(), BooleanNode.TRUE, BooleanNode.FALSE, IntNode.valueOf(0),
                IntNode.valueOf(-1), IntNode.valueOf(65536), LongNode.valueOf(Integer.MAX_VALUE + 1L),
                LongNode.valueOf(Long.MIN_VALUE), NODES.numberNode(new BigInteger("92233720368547758080")),
                DoubleNode.valueOf(0.5), DoubleNode.valueOf(-0.0), DoubleNode.valueOf(1e308),
                NODES.numberNode(new BigDecimal("1e400")), text(""), text(" "), text("\u0000"), text("\u0001\u001f\u007f"),
                text("\n"), text("../../etc/passwd"), text("%00"), text("\uD83D\uDE42"), text("\u202Eabc"), text("\uFEFF"),
                text("\uFFFF"), text("a".repeat(63)), text("a".repeat(64)), text("a".repeat(254)), text("a".repeat(300)),
                text("x".repeat(70_000)), text("x".repeat((1 << 20) + 1)), text("default/pod"), text("*"), text("k8s:app=x"),
                text("reserved:host"), text("cidr:0.0.0.0/0"), text("10.0.0.1"), text("::1"), text("0.0.0.0"),
                text("255.255.255.255"), text("10.0.0.0/33"), text("fe80::1%eth0"), text("-1"), text("1e309"), text("NaN"),
                text("true"), text("ALL"), text("Ünïcödé"), NODES.arrayNode(), NODES.objectNode(),
                NODES.arrayNode().add(NullNode.getInstance()), NODES.objectNode().put("", ""));
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of(fixed)),
                Tuple.of(2, Arbitraries.strings().all().ofMaxLength(40).map(RestFuzzCases::text)),
                Tuple.of(1, Arbitraries.longs().map(l -> (JsonNode) LongNode.valueOf(l))),
                Tuple.of(1, Arbitraries.doubles().map(d -> (JsonNode) DoubleNode.valueOf(d))));
    }

    private static JsonNode text(String value) {
        return TextNode.valueOf(value);
    }

    private record Location(JsonNode container, String key, int index) {
    }

    private static JsonNode mutate(JsonNode base, Mutation mutation, int where, JsonNode edge, int depth) {
        JsonNode copy = base.deepCopy();
        List<Location> locations = new ArrayList<>();
        locate(copy, locations);
        if (locations.isEmpty()) {
            return switch (mutation) {
                case REPLACE, REMOVE -> edge;
                case EXTRA_FIELD -> copy.isObject() ? ((ObjectNode) copy).set("fuzzExtra", edge) : edge;
                case NEST -> nest(edge, depth);
            };
        }
        Location at = locations.get(where % locations.size());
        switch (mutation) {
            case REPLACE -> set(at, edge);
            case NEST -> set(at, nest(edge, depth));
            case REMOVE -> {
                if (at.container() instanceof ObjectNode object) {
                    object.remove(at.key());
                } else {
                    ((ArrayNode) at.container()).remove(at.index());
                }
            }
            case EXTRA_FIELD -> {
                JsonNode target = at.key() != null ? at.container().get(at.key()) : at.container().get(at.index());
                ObjectNode object = target instanceof ObjectNode o ? o
                        : at.container() instanceof ObjectNode o ? o : copy.isObject() ? (ObjectNode) copy : null;
                if (object == null) {
                    return copy;
                }
                object.set("fuzzExtra", edge);
            }
        }
        return copy;
    }

    private static void locate(JsonNode node, List<Location> into) {
        if (node instanceof ObjectNode object) {
            for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                into.add(new Location(object, name, -1));
                locate(object.get(name), into);
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                into.add(new Location(array, null, i));
                locate(array.get(i), into);
            }
        }
    }

    private static void set(Location at, JsonNode value) {
        if (at.container() instanceof ObjectNode object) {
            object.set(at.key(), value);
        } else {
            ((ArrayNode) at.container()).set(at.index(), value);
        }
    }

    private static JsonNode nest(JsonNode leaf, int depth) {
        JsonNode node = leaf;
        for (int i = 0; i < depth; i++) {
            node = i % 2 == 0 ? NODES.arrayNode().add(node) : NODES.objectNode().set("n", node);
        }
        return node;
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("seed body is not JSON: " + json, e);
        }
    }

    /** Percent-encodes everything but RFC 3986's unreserved characters. */
    static String encode(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
