package dev.tendril.topics;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The Kafka client settings of a process, one way for every producer, consumer and admin client it makes: each
 * configuration key {@code kafka.<name>} is the client property {@code <name>} ({@code security.protocol},
 * {@code ssl.keystore.location}, ...). The launcher sets them once per child; with none set, clients stay plaintext.
 *
 * <p>{@code kafka.bootstrap.servers} is left out: every client site already reads it, and tests point one client at
 * another broker than the configured one.
 */
public final class KafkaClientSettings {

    public static final String PREFIX = "kafka.";
    private static final String BOOTSTRAP_SERVERS = "bootstrap.servers";

    private KafkaClientSettings() {}

    /** The settings from this application's MicroProfile configuration. */
    public static Map<String, Object> fromConfig() {
        return from(ConfigProvider.getConfig());
    }

    /** The settings from configuration with a site's own properties (acks, serializers, fetch sizes) over them. */
    public static Map<String, Object> fromConfigWith(Map<String, ?> own) {
        return over(fromConfig(), own);
    }

    /** {@code own} over {@code settings}, as a mutable map the caller may add to. */
    public static Map<String, Object> over(Map<String, Object> settings, Map<String, ?> own) {
        Map<String, Object> merged = new HashMap<>(settings);
        merged.putAll(own);
        return merged;
    }

    public static Map<String, Object> from(Config config) {
        return from(config.getPropertyNames(), name -> config.getOptionalValue(name, String.class));
    }

    /** The settings among {@code names}, each valued by {@code value} (a name without a value is skipped). */
    public static Map<String, Object> from(Iterable<String> names, Function<String, Optional<String>> value) {
        Map<String, Object> settings = new TreeMap<>();
        for (String name : names) {
            if (!name.startsWith(PREFIX) || name.length() == PREFIX.length()) {
                continue;
            }
            String property = name.substring(PREFIX.length());
            if (property.equals(BOOTSTRAP_SERVERS)) {
                continue;
            }
            value.apply(name).ifPresent(v -> settings.put(property, v));
        }
        return Map.copyOf(settings);
    }
}
