package dev.tendril.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/** JSON values for {@link RestFuzzCases}: of an OpenAPI schema's shape, the edge values, and mutations of both. */
final class JsonFuzzValues {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private enum Mutation {
        REPLACE,
        REMOVE,
        EXTRA_FIELD,
        NEST
    }

    private final OpenApiOperations document;

    JsonFuzzValues(OpenApiOperations document) {
        this.document = document;
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
            default ->
                schema.path("format").asText().equals("date-time")
                        ? Arbitraries.just(TextNode.valueOf("2026-01-01T00:00:00Z"))
                        : Arbitraries.strings()
                                .withCharRange('a', 'z')
                                .ofMinLength(1)
                                .ofMaxLength(10)
                                .map(TextNode::valueOf);
        };
    }

    private Arbitrary<JsonNode> object(JsonNode schema, int depth) {
        List<String> names = new ArrayList<>();
        List<Arbitrary<JsonNode>> values = new ArrayList<>();
        List<String> required = new ArrayList<>();
        schema.path("required").forEach(r -> required.add(r.asText()));
        for (Iterator<Map.Entry<String, JsonNode>> properties =
                        schema.path("properties").fields();
                properties.hasNext(); ) {
            Map.Entry<String, JsonNode> property = properties.next();
            names.add(property.getKey());
            Arbitrary<JsonNode> value = valid(property.getValue(), depth + 1);
            values.add(required.contains(property.getKey()) ? value : value.injectNull(0.3));
        }
        JsonNode additional = schema.path("additionalProperties");
        Arbitrary<Map<String, JsonNode>> extra = additional.isObject()
                ? Arbitraries.maps(
                                Arbitraries.strings()
                                        .withCharRange('a', 'z')
                                        .ofMinLength(1)
                                        .ofMaxLength(8),
                                valid(additional, depth + 1))
                        .ofMaxSize(3)
                : Arbitraries.just(Map.of());
        Arbitrary<List<JsonNode>> declared = values.isEmpty()
                ? Arbitraries.just(List.of())
                : Combinators.combine(values).as(l -> l);
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

    String scalarType(JsonNode schema) {
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

    /** {@code base} with one edge value put somewhere in it, a field removed or added, or nested deep. */
    static Arbitrary<JsonNode> mutated(Arbitrary<JsonNode> base) {
        return Combinators.combine(
                        base,
                        Arbitraries.of(Mutation.values()),
                        Arbitraries.integers().between(0, 10_000),
                        edgeValues(),
                        Arbitraries.of(2, 16, 63, 64, 65, 200, 900))
                .as(JsonFuzzValues::mutate);
    }

    /** Wrong types, nulls, empty, huge, unicode and control-character strings, negative, huge and fractional numbers. */
    static Arbitrary<JsonNode> edgeValues() {
        List<JsonNode> fixed = List.of(
                NullNode.getInstance(),
                BooleanNode.TRUE,
                BooleanNode.FALSE,
                IntNode.valueOf(0),
                IntNode.valueOf(-1),
                IntNode.valueOf(65536),
                LongNode.valueOf(Integer.MAX_VALUE + 1L),
                LongNode.valueOf(Long.MIN_VALUE),
                NODES.numberNode(new BigInteger("92233720368547758080")),
                DoubleNode.valueOf(0.5),
                DoubleNode.valueOf(-0.0),
                DoubleNode.valueOf(1e308),
                NODES.numberNode(new BigDecimal("1e400")),
                text(""),
                text(" "),
                text("\u0000"),
                text("\u0001\u001f\u007f"),
                text("\n"),
                text("../../etc/passwd"),
                text("%00"),
                text("\uD83D\uDE42"),
                text("\u202Eabc"),
                text("\uFEFF"),
                text("\uFFFF"),
                text("a".repeat(63)),
                text("a".repeat(64)),
                text("a".repeat(254)),
                text("a".repeat(300)),
                text("x".repeat(70_000)),
                text("x".repeat((1 << 20) + 1)),
                text("default/pod"),
                text("*"),
                text("k8s:app=x"),
                text("reserved:host"),
                text("cidr:0.0.0.0/0"),
                text("10.0.0.1"),
                text("::1"),
                text("0.0.0.0"),
                text("255.255.255.255"),
                text("10.0.0.0/33"),
                text("fe80::1%eth0"),
                text("-1"),
                text("1e309"),
                text("NaN"),
                text("true"),
                text("ALL"),
                text("Ünïcödé"),
                NODES.arrayNode(),
                NODES.objectNode(),
                NODES.arrayNode().add(NullNode.getInstance()),
                NODES.objectNode().put("", ""));
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of(fixed)),
                Tuple.of(2, Arbitraries.strings().all().ofMaxLength(40).map(JsonFuzzValues::text)),
                Tuple.of(1, Arbitraries.longs().map(l -> (JsonNode) LongNode.valueOf(l))),
                Tuple.of(1, Arbitraries.doubles().map(d -> (JsonNode) DoubleNode.valueOf(d))));
    }

    private static JsonNode text(String value) {
        return TextNode.valueOf(value);
    }

    private record Location(JsonNode container, String key, int index) {}

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
                JsonNode target = at.key() != null
                        ? at.container().get(at.key())
                        : at.container().get(at.index());
                ObjectNode object = target instanceof ObjectNode o
                        ? o
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
}
