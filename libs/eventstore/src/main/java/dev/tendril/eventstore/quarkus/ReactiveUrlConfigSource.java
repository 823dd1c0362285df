package dev.tendril.eventstore.quarkus;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.common.MapBackedConfigSource;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * The reactive PostgreSQL client's URL from the JDBC one, for a service that reads with Hibernate Reactive: one
 * database setting ({@code quarkus.datasource.jdbc.url}, which the launcher, the tests and the manifests give) serves
 * both clients. A {@code quarkus.datasource.reactive.url} set in application.properties, the environment or a system
 * property wins over this source's ordinal; the value the build recorded from this source does not.
 * Registered per service in {@code META-INF/services/io.smallrye.config.ConfigSourceFactory}.
 */
public final class ReactiveUrlConfigSource implements ConfigSourceFactory {

    static final String JDBC_URL = "quarkus.datasource.jdbc.url";
    static final String REACTIVE_URL = "quarkus.datasource.reactive.url";
    /** Below application.properties (250): a value there or in the environment or system properties wins. */
    static final int ORDINAL = 200;

    private static final Set<String> SHARED_PARAMETERS = Set.of("sslmode");

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        // Whether a reactive URL is set elsewhere is not asked: the build records this source's value among the
        // defaults, so it is "set" at run time too. The ordinal decides instead.
        ConfigValue jdbc = context.getValue(JDBC_URL);
        if (jdbc == null || jdbc.getValue() == null) {
            return List.of();
        }
        return reactiveUrl(jdbc.getValue())
                .<List<ConfigSource>>map(url -> List.of(
                        new MapBackedConfigSource(
                                "reactive datasource URL from " + JDBC_URL, Map.of(REACTIVE_URL, url), ORDINAL) {}))
                .orElse(List.of());
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(ORDINAL);
    }

    /**
     * {@code jdbc:postgresql://host:port/db?params} as the Vert.x client writes it, {@code postgresql://host:port/db},
     * keeping the parameters both clients read ({@code sslmode}); JDBC-only ones (such as {@code currentSchema}) are
     * dropped, since the server would refuse them as startup parameters: the reads name their schema themselves.
     */
    static Optional<String> reactiveUrl(String jdbcUrl) {
        if (!jdbcUrl.startsWith("jdbc:postgresql://")) {
            return Optional.empty();
        }
        String url = jdbcUrl.substring("jdbc:".length());
        int query = url.indexOf('?');
        if (query < 0) {
            return Optional.of(url);
        }
        String kept = Arrays.stream(url.substring(query + 1).split("&"))
                .filter(p -> SHARED_PARAMETERS.contains(p.substring(0, Math.max(0, p.indexOf('=')))))
                .collect(Collectors.joining("&"));
        return Optional.of(url.substring(0, query) + (kept.isEmpty() ? "" : "?" + kept));
    }
}
