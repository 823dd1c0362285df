package dev.tendril.rest.paging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.rest.ProblemException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PageRequestTest {

    private static Map<String, Object> filters(String namespace, String node) {
        Map<String, Object> filters = new LinkedHashMap<>();
        filters.put("node", node);
        filters.put("namespace", namespace);
        return filters;
    }

    @Test
    void pagesCarryTheLastKeyAndTheFiltersToTheNextRequest() {
        PageRequest first = PageRequest.of(2, null, filters("shop", null), 2);
        assertThat(first.fetch()).isEqualTo(3);

        Page<String> page = first.page(List.of("shop/a", "shop/b", "shop/c"), row -> List.of(row.split("/")));
        assertThat(page.items()).containsExactly("shop/a", "shop/b");
        assertThat(page.next()).isPresent();

        PageRequest second = PageRequest.of(2, page.next().get(), filters("shop", null), 2);
        assertThat(second.after()).contains(List.of("shop", "b"));
        assertThat(second.page(List.of("shop/c"), row -> List.of(row.split("/")))
                        .next())
                .as("the last page has no token")
                .isEmpty();
    }

    @Test
    void withoutALimitEverythingIsOnePage() {
        PageRequest all = PageRequest.of(null, null, Map.of(), 1);
        assertThat(all.fetch()).isNull();
        assertThat(all.page(List.of("a", "b", "c"), List::of))
                .isEqualTo(new Page<>(List.of("a", "b", "c"), Optional.empty()));
    }

    @Test
    void keysWithAnyCharactersRoundTrip() {
        String token = new ContinueToken("q=1", List.of("ns/with\"quote", "πod,&=")).encode();
        assertThat(token).matches("[A-Za-z0-9_-]+");
        assertThat(ContinueToken.decode(token, "q=1", 2).key()).containsExactly("ns/with\"quote", "πod,&=");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "limit zero, 0, , limit",
        "limit above the maximum, 10001, , limit",
        "token that is not base64, 10, '!!!', continue",
        "token that is not JSON, 10, bm90IGpzb24, continue",
        "token of another version, 10, WzIsIm5vZGU9biIsImEiXQ, continue",
        "token with too few key columns, 10, WzEsIm5vZGU9biJd, continue",
        "token of another filter, 10, WzEsIm5vZGU9b3RoZXIiLCJhIl0, continue",
        "token without a limit, , WzEsIm5vZGU9biIsImEiXQ, continue",
    })
    void refusesBadParametersNamingThem(String name, Integer limit, String token, String field) {
        assertThatThrownBy(() -> PageRequest.of(limit, token, filters(null, "n"), 1))
                .isInstanceOfSatisfying(ProblemException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.field()).isEqualTo(field);
                });
    }

    @Test
    void theTokensOfTheRefusalCasesAreWhatTheirNamesSay() {
        assertThat(new ContinueToken("node=n", List.of("a")).encode()).isEqualTo("WzEsIm5vZGU9biIsImEiXQ");
        assertThat(new ContinueToken("node=other", List.of("a")).encode()).isEqualTo("WzEsIm5vZGU9b3RoZXIiLCJhIl0");
    }
}
