package dev.tendril.identity.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** GET /v1/identities in keyset pages: reserved identities first, then allocated ones, by id, none twice. */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class IdentityPagingTest {

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);

    @Test
    void pagesByIdWithoutDuplicatesOrGapsWhileIdentitiesAreAllocated() throws Exception {
        Set<Integer> initial = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            initial.add(allocate("app-" + i));
        }
        AtomicBoolean paging = new AtomicBoolean(true);
        ExecutorService writer = Executors.newSingleThreadExecutor();
        Future<Integer> added = writer.submit(() -> {
            int n = 0;
            while (paging.get()) {
                allocate("late-" + n++);
            }
            return n;
        });
        List<Integer> listed = new ArrayList<>();
        String token = null;
        try {
            do {
                var request =
                        given().queryParam("label", "k8s:paging=" + suffix).queryParam("limit", 7);
                if (token != null) {
                    request.queryParam("continue", token);
                }
                Response page = request.get("/v1/identities");
                page.then().statusCode(200);
                listed.addAll(page.jsonPath().getList("id", Integer.class));
                token = page.header("Tendril-Continue");
            } while (token != null);
        } finally {
            paging.set(false);
            writer.shutdown();
        }
        assertThat(added.get()).isPositive();
        assertThat(listed).doesNotHaveDuplicates().containsAll(initial).isSorted();
    }

    @Test
    void listsReservedIdentitiesFirstAcrossPages() {
        Response first = given().queryParam("limit", 3).get("/v1/identities");
        first.then().statusCode(200).body("id", equalTo(List.of(1, 2, 3))).body("[0].name", equalTo("host"));
        given().queryParam("limit", 2)
                .queryParam("continue", first.header("Tendril-Continue"))
                .get("/v1/identities")
                .then()
                .statusCode(200)
                .body("id", equalTo(List.of(4, 5)));
        given().queryParam("label", "k8s:app=x")
                .queryParam("limit", 2)
                .queryParam("continue", first.header("Tendril-Continue"))
                .get("/v1/identities")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("field", equalTo("continue"));
    }

    private int allocate(String app) {
        return given().contentType(ContentType.JSON)
                .body(Map.of("labels", List.of("k8s:paging=" + suffix, "k8s:app=" + app)))
                .post("/v1/identities")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }
}
