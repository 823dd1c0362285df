package dev.tendril.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * The contract of a keyset-paged REST list ({@code limit}/{@code continue}, as the Kubernetes API pages and
 * {@code tendril get --chunk-size} follows), checked against the running test application while a writer adds
 * rows: every row that existed before the first page is listed, none twice, in the order of one unpaged answer,
 * each page but the last full and pointing to the next with {@code Tendril-Continue} and a {@code Link} header.
 * One copy for every paged list's test (identity, IPAM, policy).
 */
public final class KeysetPagingCheck {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The keys a walk listed, in order, and the pages it took. */
    public record Walk(List<String> keys, int pages) {}

    private final String path;
    private final String query;
    private final Function<JsonNode, String> key;

    /**
     * A list at {@code path} (e.g. {@code /v1/nodes}) with the filter {@code query} (e.g. {@code node=n-1}, unencoded
     * values; empty for none), whose rows are named by {@code key} (e.g. a node's {@code name}).
     */
    public KeysetPagingCheck(String path, String query, Function<JsonNode, String> key) {
        this.path = path;
        this.query = query;
        this.key = key;
    }

    /** A row's text field {@code field} as its key. */
    public static Function<JsonNode, String> field(String field) {
        return row -> row.path(field).asText();
    }

    /** The keys of the unpaged list (no {@code limit}), which must answer in one page. */
    public List<String> whole() {
        HttpResponse<String> page = get(query);
        assertNull(page.headers().firstValue("Tendril-Continue").orElse(null), "no limit, no continue token");
        return keys(page);
    }

    /** Every page of {@code pageSize} rows from the first to the last, each page's headers checked. */
    public Walk walk(int pageSize) {
        List<String> listed = new ArrayList<>();
        int pages = 0;
        String token = null;
        do {
            String pageQuery = join(query, "limit=" + pageSize)
                    + (token == null ? "" : "&continue=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
            HttpResponse<String> page = get(pageQuery);
            List<String> keys = keys(page);
            listed.addAll(keys);
            token = page.headers().firstValue("Tendril-Continue").orElse(null);
            String link = page.headers().firstValue("Link").orElse(null);
            if (token != null) {
                assertEquals(pageSize, keys.size(), "a page before the last is full: " + keys);
                assertTrue(
                        link != null
                                && link.startsWith("<" + path + "?")
                                && link.endsWith(">; rel=\"next\"")
                                && link.contains("limit=" + pageSize)
                                && link.contains("continue=" + token)
                                && parameters(query).stream().allMatch(link::contains),
                        "the Link header names the next page with the same filter: " + link);
            } else {
                assertNull(link, "the last page links to nothing");
            }
            pages++;
        } while (token != null);
        return new Walk(listed, pages);
    }

    /**
     * Walks the list in pages of {@code pageSize} while {@code write} runs on another thread (called with 0, 1, ...
     * until the walk ends or {@code maxWrites} writes), then checks: at least one write happened during the walk, no
     * key twice, every key of {@code before} (rows that existed before the first page) listed, the keys in the unpaged
     * list's order (the database's collation orders them, not Java's), and at least {@code minPages} pages.
     */
    public Walk whileWriting(int pageSize, Set<String> before, IntConsumer write, int maxWrites, int minPages)
            throws InterruptedException {
        AtomicBoolean paging = new AtomicBoolean(true);
        ExecutorService writer = Executors.newSingleThreadExecutor();
        Future<Integer> written = writer.submit(() -> {
            int n = 0;
            while (paging.get() && n < maxWrites) {
                write.accept(n);
                n++;
            }
            return n;
        });
        Walk walk;
        try {
            walk = walk(pageSize);
        } finally {
            paging.set(false);
            writer.shutdown();
        }
        int writes;
        try {
            writes = written.get();
        } catch (ExecutionException e) {
            throw new AssertionError("the writer failed while the pages were read", e.getCause());
        }
        assertTrue(writes > 0, "rows written while paging");
        Set<String> seen = new HashSet<>();
        for (String k : walk.keys()) {
            assertTrue(seen.add(k), "listed twice: " + k);
        }
        List<String> missing =
                before.stream().filter(k -> !seen.contains(k)).sorted().toList();
        assertTrue(missing.isEmpty(), "rows of before the first page missing from the pages: " + missing);
        List<String> whole = whole();
        assertTrue(new HashSet<>(whole).containsAll(seen), "every listed row is in the unpaged list");
        assertEquals(
                walk.keys(), whole.stream().filter(seen::contains).toList(), "the pages in the unpaged list's order");
        assertTrue(walk.pages() >= minPages, walk.pages() + " pages, at least " + minPages + " expected");
        return walk;
    }

    private HttpResponse<String> get(String pageQuery) {
        try {
            HttpResponse<String> page = EdgeHttp.send("GET", path + encode(pageQuery), null, null);
            if (page.statusCode() != 200) {
                fail("GET " + path + "?" + pageQuery + " answered " + page.statusCode() + ": " + page.body());
            }
            return page;
        } catch (IOException e) {
            throw new AssertionError("GET " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private List<String> keys(HttpResponse<String> page) {
        try {
            JsonNode rows = JSON.readTree(page.body());
            List<String> keys = new ArrayList<>();
            rows.forEach(row -> keys.add(key.apply(row)));
            return keys;
        } catch (IOException e) {
            throw new AssertionError("not a JSON list: " + page.body(), e);
        }
    }

    private static String join(String query, String parameter) {
        return query.isEmpty() ? parameter : query + "&" + parameter;
    }

    /** {@code ?a=x&b=y} with each value encoded (the continue token is appended already encoded). */
    private static String encode(String pageQuery) {
        if (pageQuery.isEmpty()) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        for (String parameter : pageQuery.split("&")) {
            int eq = parameter.indexOf('=');
            if (eq < 0 || parameter.startsWith("continue=")) {
                parts.add(parameter);
            } else {
                parts.add(parameter.substring(0, eq + 1)
                        + URLEncoder.encode(parameter.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return "?" + String.join("&", parts);
    }

    private static List<String> parameters(String query) {
        return query.isEmpty() ? List.of() : List.of(query.split("&"));
    }
}
