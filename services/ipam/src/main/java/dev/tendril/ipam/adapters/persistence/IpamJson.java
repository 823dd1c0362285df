package dev.tendril.ipam.adapters.persistence;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.tendril.net.Cidr;
import dev.tendril.net.IpAddress;
import java.io.IOException;

/** The JSON form of IPAM event payloads: addresses and CIDRs as their text, instants as ISO-8601. */
final class IpamJson {

    private IpamJson() {}

    static ObjectMapper mapper() {
        SimpleModule addresses = new SimpleModule("tendril-ipam");
        addresses.addSerializer(IpAddress.class, new JsonSerializer<>() {
            @Override
            public void serialize(IpAddress value, JsonGenerator out, SerializerProvider provider) throws IOException {
                out.writeString(value.toString());
            }
        });
        addresses.addDeserializer(IpAddress.class, new JsonDeserializer<>() {
            @Override
            public IpAddress deserialize(JsonParser in, DeserializationContext context) throws IOException {
                return IpAddress.parse(in.getValueAsString());
            }
        });
        addresses.addSerializer(Cidr.class, new JsonSerializer<>() {
            @Override
            public void serialize(Cidr value, JsonGenerator out, SerializerProvider provider) throws IOException {
                out.writeString(value.toString());
            }
        });
        addresses.addDeserializer(Cidr.class, new JsonDeserializer<>() {
            @Override
            public Cidr deserialize(JsonParser in, DeserializationContext context) throws IOException {
                return Cidr.parse(in.getValueAsString());
            }
        });
        return new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .registerModule(addresses)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }
}
