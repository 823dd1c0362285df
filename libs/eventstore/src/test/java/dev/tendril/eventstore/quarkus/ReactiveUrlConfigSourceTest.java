package dev.tendril.eventstore.quarkus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReactiveUrlConfigSourceTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "host and port | jdbc:postgresql://127.0.0.1:5432/tendril | postgresql://127.0.0.1:5432/tendril",
                "JDBC-only parameters dropped | jdbc:postgresql://db:5432/tendril?currentSchema=identity"
                        + " | postgresql://db:5432/tendril",
                "sslmode kept | jdbc:postgresql://db/tendril?currentSchema=x&sslmode=verify-full"
                        + " | postgresql://db/tendril?sslmode=verify-full",
            })
    void derivesTheReactiveUrlFromTheJdbcOne(String name, String jdbc, String reactive) {
        assertThat(ReactiveUrlConfigSource.reactiveUrl(jdbc)).contains(reactive);
    }

    @ParameterizedTest
    @CsvSource({"jdbc:h2:mem:x", "postgresql://already/reactive"})
    void leavesOtherUrlsAlone(String url) {
        assertThat(ReactiveUrlConfigSource.reactiveUrl(url)).isEqualTo(Optional.empty());
    }
}
