package dev.tendril.testing;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Protobuf requests generated from a gRPC service's descriptors: every field of the request message
 * absent, valid-shaped or an edge value (empty, huge, unicode and control-character strings, extreme
 * and negative numbers, unknown enum numbers, NaN), or a known-valid request with one field replaced.
 */
public final class GrpcFuzzCases {

    /** One generated call. */
    public record GrpcCase(Descriptors.MethodDescriptor method, DynamicMessage request) {

        public String target() {
            return method.getService().getFullName() + "/" + method.getName();
        }

        @Override
        public String toString() {
            return target() + " {"
                    + EdgeHttp.cut(TextFormat.printer().emittingSingleLine(true).printToString(request)) + "}";
        }
    }

    /** Known-valid requests by method name and known-valid string values by field name. */
    public record Seeds(Map<String, Message> requests, Map<String, String> strings) {}

    private static final int MAX_DEPTH = 3;
    private static final List<String> EDGE_STRINGS = List.of(
            "",
            " ",
            "\u0000",
            "a\u0000b",
            "\u0001\u001f\u007f",
            "\n",
            "a".repeat(63),
            "a".repeat(64),
            "a".repeat(254),
            "a".repeat(300),
            "x".repeat(70_000),
            "../../etc/passwd",
            "..",
            "%00",
            "\uD83D\uDE42",
            "\u202Eabc",
            "\uFEFF",
            "A",
            "-a",
            "-1",
            "99999999999999999999",
            "10.0.0.1",
            "::1",
            "0.0.0.0",
            "255.255.255.255",
            "ff02::1",
            "10.0.0.0/33",
            "fe80::1%eth0",
            "k8s:app=x",
            "reserved:host",
            "cidr:0.0.0.0/0",
            "default/pod",
            "*",
            "Ünïcödé",
            "NaN");

    private final Seeds seeds;

    public GrpcFuzzCases(Seeds seeds) {
        this.seeds = seeds;
    }

    /** Cases spread evenly over the methods of {@code services}. */
    public Arbitrary<GrpcCase> cases(List<Descriptors.ServiceDescriptor> services) {
        List<Arbitrary<GrpcCase>> methods = new ArrayList<>();
        for (Descriptors.ServiceDescriptor service : services) {
            for (Descriptors.MethodDescriptor method : service.getMethods()) {
                methods.add(request(method).map(r -> new GrpcCase(method, r)));
            }
        }
        return Arbitraries.oneOf(methods);
    }

    private Arbitrary<DynamicMessage> request(Descriptors.MethodDescriptor method) {
        Descriptors.Descriptor type = method.getInputType();
        Arbitrary<DynamicMessage> generated = message(type, 0);
        Message seed = seeds.requests().get(method.getName());
        if (seed == null || type.getFields().isEmpty()) {
            return generated;
        }
        DynamicMessage base = DynamicMessage.newBuilder(type).mergeFrom(seed).build();
        Arbitrary<DynamicMessage> oneFieldChanged = Arbitraries.of(type.getFields())
                .flatMap(field -> field(field, 0).map(values -> {
                    DynamicMessage.Builder builder = base.toBuilder().clearField(field);
                    set(builder, field, values);
                    return builder.build();
                }));
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(base)), Tuple.of(6, oneFieldChanged), Tuple.of(3, generated));
    }

    private Arbitrary<DynamicMessage> message(Descriptors.Descriptor type, int depth) {
        List<FieldDescriptor> fields = type.getFields();
        if (fields.isEmpty() || depth > MAX_DEPTH) {
            return Arbitraries.just(DynamicMessage.getDefaultInstance(type));
        }
        List<Arbitrary<List<Object>>> values =
                fields.stream().map(f -> field(f, depth)).toList();
        return Combinators.combine(values).as(list -> {
            DynamicMessage.Builder builder = DynamicMessage.newBuilder(type);
            for (int i = 0; i < fields.size(); i++) {
                set(builder, fields.get(i), list.get(i));
            }
            return builder.build();
        });
    }

    /** The values of one field: none (absent), one, or for a repeated field up to a few. */
    private Arbitrary<List<Object>> field(FieldDescriptor field, int depth) {
        Arbitrary<Object> one = value(field, depth);
        if (field.isRepeated()) {
            return one.list().ofMaxSize(4).map(l -> l);
        }
        return Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(List.of())), Tuple.of(4, one.map(List::of)));
    }

    /**
     * A proto string is UTF-8: a lone surrogate cannot be sent (protobuf writes '?' and logs a stack
     * trace per field), so it is replaced here, as the encoder would.
     */
    private static String wellFormed(String text) {
        return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }

    private static void set(DynamicMessage.Builder builder, FieldDescriptor field, List<Object> values) {
        if (field.isRepeated()) {
            values.forEach(v -> builder.addRepeatedField(field, v));
        } else if (!values.isEmpty()) {
            builder.setField(field, values.getFirst());
        }
    }

    private Arbitrary<Object> value(FieldDescriptor field, int depth) {
        return switch (field.getJavaType()) {
            case STRING -> {
                String seed = seeds.strings().get(field.getName());
                Arbitrary<String> valid = Arbitraries.strings()
                        .withCharRange('a', 'z')
                        .ofMinLength(1)
                        .ofMaxLength(10);
                if (seed != null) {
                    valid = Arbitraries.frequencyOf(Tuple.of(2, Arbitraries.just(seed)), Tuple.of(1, valid));
                }
                yield Arbitraries.frequencyOf(
                                Tuple.of(3, valid),
                                Tuple.of(3, Arbitraries.of(EDGE_STRINGS)),
                                Tuple.of(
                                        1,
                                        Arbitraries.strings()
                                                .all()
                                                .ofMaxLength(30)
                                                .map(GrpcFuzzCases::wellFormed)))
                        .map(s -> (Object) s);
            }
            case INT ->
                Arbitraries.frequencyOf(
                                Tuple.of(
                                        2,
                                        Arbitraries.of(
                                                0, 1, -1, 80, 65535, 65536, Integer.MAX_VALUE, Integer.MIN_VALUE)),
                                Tuple.of(1, Arbitraries.integers()))
                        .map(i -> (Object) i);
            case LONG ->
                Arbitraries.frequencyOf(
                                Tuple.of(
                                        2,
                                        Arbitraries.of(
                                                0L, 1L, -1L, 4294967295L, 4294967296L, Long.MAX_VALUE, Long.MIN_VALUE)),
                                Tuple.of(1, Arbitraries.longs()))
                        .map(l -> (Object) l);
            case BOOLEAN -> Arbitraries.of(true, false).map(b -> (Object) b);
            case FLOAT ->
                Arbitraries.of(0f, -0f, 1.5f, Float.NaN, Float.POSITIVE_INFINITY, -1f, Float.MAX_VALUE)
                        .map(f -> (Object) f);
            case DOUBLE ->
                Arbitraries.of(0d, -0d, 1.5d, Double.NaN, Double.NEGATIVE_INFINITY, -1d, Double.MAX_VALUE)
                        .map(d -> (Object) d);
            case BYTE_STRING ->
                Arbitraries.bytes().array(byte[].class).ofMaxSize(64).map(b -> (Object) ByteString.copyFrom(b));
            case ENUM -> {
                Descriptors.EnumDescriptor type = field.getEnumType();
                Arbitrary<Descriptors.EnumValueDescriptor> known = Arbitraries.of(type.getValues());
                yield type.isClosed()
                        ? known.map(v -> (Object) v)
                        : Arbitraries.frequencyOf(
                                        Tuple.of(4, known),
                                        Tuple.of(
                                                1,
                                                Arbitraries.of(-1, 999, Integer.MAX_VALUE)
                                                        .map(type::findValueByNumberCreatingIfUnknown)))
                                .map(v -> (Object) v);
            }
            case MESSAGE -> message(field.getMessageType(), depth + 1).map(m -> (Object) m);
        };
    }
}
