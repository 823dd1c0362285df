package dev.tendril.rest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.KeyDeserializer;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;

/**
 * Refuses a NUL character in any string of a request body, value or map key. PostgreSQL cannot store
 * one in text, so a NUL that got past the edge would fail deep inside a write as a 500; no Tendril
 * field has a use for it.
 */
final class NoNulStrings {

    private NoNulStrings() {}

    static SimpleModule module() {
        SimpleModule module = new SimpleModule("tendril-no-nul-strings");
        module.addDeserializer(String.class, new Values());
        module.addKeyDeserializer(String.class, new Keys());
        return module;
    }

    private static final class Values extends StdScalarDeserializer<String> {

        Values() {
            super(String.class);
        }

        @Override
        public String deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            String value = StringDeserializer.instance.deserialize(parser, context);
            if (value != null && value.indexOf('\u0000') >= 0) {
                throw new InvalidFormatException(parser, "a NUL character is not allowed", value, String.class);
            }
            return value;
        }
    }

    private static final class Keys extends KeyDeserializer {

        @Override
        public Object deserializeKey(String key, DeserializationContext context) throws IOException {
            if (key.indexOf('\u0000') >= 0) {
                throw new InvalidFormatException(
                        context.getParser(), "a NUL character is not allowed in a key", key, String.class);
            }
            return key;
        }
    }
}
