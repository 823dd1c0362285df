package dev.tendril.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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

    /** One generated request; the path and query are already percent-encoded. */
    public record RestCase(
            OpenApiOperations.Operation operation, String pathAndQuery, String contentType, String body) {

        @Override
        public String toString() {
            return operation.method() + " " + EdgeHttp.cut(pathAndQuery)
                    + (contentType == null ? "" : " [" + contentType + "]")
                    + (body == null ? "" : " " + EdgeHttp.cut(body));
        }
    }

    /** Where to start: valid bodies by operation key ({@code PUT /v1/x/{name}}), valid parameter values by name. */
    public record Seeds(
            Map<String, String> bodies, Map<String, String> parameters, Map<String, List<String>> extraQuery) {}

    /** Path segments as sent, already encoded: traversal, NUL, encoded slashes, overlong UTF-8, huge and numeric edges. */
    private static final List<String> EDGE_SEGMENTS = List.of(
            "%00",
            "..",
            ".",
            "%2e%2e",
            "%2F",
            "a%2Fb",
            "%20",
            "%09",
            "a".repeat(300),
            "a".repeat(2000),
            "A",
            "-a",
            "a-",
            "a_b",
            "a.b",
            "%F0%9F%99%82",
            "%C0%AF",
            "%FF",
            "%EF%BB%BF",
            "0",
            "-1",
            "1.5",
            "1e3",
            "99999999999999999999",
            "9223372036854775808",
            "%0A",
            "a;b",
            "*",
            "%25",
            "reserved:host",
            "%7B%7D",
            "null",
            "true",
            "%E2%80%AE",
            "x%00y");

    private static final List<String> EDGE_QUERY_VALUES = List.of(
            "",
            "-1",
            "0",
            "1.5",
            "abc",
            "99999999999999999999",
            "9223372036854775808",
            "-9223372036854775809",
            "%00",
            "true",
            "TRUE",
            "yes",
            "a".repeat(300),
            "%FF",
            "%2F%2E%2E",
            "k8s%3Aapp%3Dx",
            "%3D%3D",
            "reserved%3Ahost",
            "1e309",
            "NaN");
    private static final List<String> RAW_BODIES = List.of(
            "",
            " ",
            "null",
            "[]",
            "{}",
            "\"s\"",
            "1",
            "-0",
            "true",
            "{",
            "{\"a\":",
            "[1,2",
            "\uFEFF{}",
            "{}{}",
            "{} x",
            "{\"a\":1,\"a\":2}",
            "{'a':1}",
            "{\"a\":NaN}",
            "{\"a\":01}",
            "{\"a\":1e99999}",
            "{\"\u0000\":1}",
            "[".repeat(100_000),
            "{\"a\":".repeat(1000) + "1" + "}".repeat(1000));

    private final OpenApiOperations document;
    private final Seeds seeds;
    private final JsonFuzzValues values;

    public RestFuzzCases(OpenApiOperations document, Seeds seeds) {
        this.document = document;
        this.seeds = seeds;
        this.values = new JsonFuzzValues(document);
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
        return Combinators.combine(path, query, contentType, body)
                .as((p, q, type, b) -> new RestCase(operation, p + q, type.isEmpty() ? null : type, b));
    }

    private Arbitrary<String> path(OpenApiOperations.Operation operation) {
        List<Arbitrary<String>> segments = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (String part : operation.path().split("/")) {
            if (part.startsWith("{") && part.endsWith("}")) {
                String name = part.substring(1, part.length() - 1);
                names.add(name);
                OpenApiOperations.Parameter parameter = operation.parameters().stream()
                        .filter(p -> p.in().equals("path") && p.name().equals(name))
                        .findFirst()
                        .orElse(null);
                segments.add(Arbitraries.frequencyOf(
                        Tuple.of(
                                4,
                                validParameter(name, parameter == null ? NullNode.getInstance() : parameter.schema())
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
        pairs.add(Arbitraries.frequencyOf(
                Tuple.of(9, Arbitraries.just("")),
                Tuple.of(
                        1,
                        Arbitraries.of(
                                "fuzzUnknown=1",
                                "=",
                                "&&",
                                "%00=%00",
                                declared.isEmpty()
                                        ? "a=1&a=2"
                                        : declared.getFirst() + "=a&" + declared.getFirst() + "=b"))));
        return Combinators.combine(pairs).as(values -> {
            String joined =
                    String.join("&", values.stream().filter(v -> !v.isEmpty()).toList());
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
        Arbitrary<String> shaped = switch (values.scalarType(document.resolve(schema))) {
            case "integer", "number" -> Arbitraries.integers().between(0, 100).map(String::valueOf);
            case "boolean" -> Arbitraries.of("true", "false");
            default ->
                Arbitraries.strings()
                        .withCharRange('a', 'z')
                        .withChars('-')
                        .ofMinLength(1)
                        .ofMaxLength(12)
                        .map(s -> "fuzz" + s);
        };
        return seed == null
                ? shaped
                : Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(seed)), Tuple.of(1, shaped));
    }

    private Arbitrary<String> contentType(OpenApiOperations.Operation operation) {
        if (!operation.hasBody()) {
            return Arbitraries.frequencyOf(
                    Tuple.of(19, Arbitraries.just("")), Tuple.of(1, Arbitraries.just("application/json")));
        }
        String json = operation.bodyMediaTypes().stream()
                .filter(t -> t.contains("json"))
                .findFirst()
                .orElse(operation.bodyMediaTypes().getFirst());
        return Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.just(json)),
                Tuple.of(1, Arbitraries.of(operation.bodyMediaTypes())),
                Tuple.of(
                        1,
                        Arbitraries.of(
                                "text/plain",
                                "application/xml",
                                "application/json; charset=ISO-8859-1",
                                "application/x-www-form-urlencoded",
                                "application/json;;",
                                "*/*",
                                "")));
    }

    private Arbitrary<String> body(OpenApiOperations.Operation operation) {
        if (!operation.hasBody()) {
            return Arbitraries.frequencyOf(
                    Tuple.of(19, Arbitraries.just((String) null)), Tuple.of(1, Arbitraries.just("{}")));
        }
        Arbitrary<JsonNode> shaped = values.valid(operation.bodySchema(), 0);
        String seed = seeds.bodies().get(operation.key());
        Arbitrary<JsonNode> base = seed == null
                ? shaped
                : Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(read(seed))), Tuple.of(1, shaped));
        Arbitrary<JsonNode> mutated = JsonFuzzValues.mutated(base);
        Arbitrary<String> truncated = Combinators.combine(
                        base, Arbitraries.integers().between(0, 10_000))
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
            if ((c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '-'
                    || c == '.'
                    || c == '_'
                    || c == '~') {
                out.append((char) c);
            } else {
                out.append('%')
                        .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
