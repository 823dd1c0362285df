package dev.tendril.policy.adapters.persistence;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.tendril.policy.domain.Manifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;

/**
 * The JSON mapper of the stored events and manifests. A {@link Manifest} is written as the document itself
 * (the stored format since the first event), not as a record with a {@code document} field.
 */
public final class PolicyJson {

    private static final TypeReference<LinkedHashMap<String, Object>> DOCUMENT = new TypeReference<>() {};

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addModule(new SimpleModule("tendril-policy-manifest")
                    .addSerializer(Manifest.class, new JsonSerializer<>() {
                        @Override
                        public void serialize(Manifest manifest, JsonGenerator out, SerializerProvider provider)
                                throws IOException {
                            provider.defaultSerializeValue(manifest.document(), out);
                        }
                    })
                    .addDeserializer(Manifest.class, new JsonDeserializer<>() {
                        @Override
                        public Manifest deserialize(JsonParser in, DeserializationContext context) throws IOException {
                            return new Manifest(context.readValue(
                                    in, context.getTypeFactory().constructType(DOCUMENT)));
                        }
                    }))
            .build();

    private PolicyJson() {}

    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "cannot write " + value.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    public static String writeString(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "cannot write " + value.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    public static <T> T read(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }
}
