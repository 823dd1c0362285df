package dev.tendril.rest.paging;

import dev.tendril.rest.ProblemException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One page asked of a keyset-paginated list: at most {@code limit} rows after {@code after} (the first page when
 * empty), under the list's filters.
 *
 * @param limit rows per page; {@code null} means all rows in one answer (what the lists did before paging)
 * @param after the last key of the previous page, column by column
 * @param query the list's filters, canonical, as tokens carry them
 */
public record PageRequest(Integer limit, Optional<List<String>> after, String query) {

    /** The most rows one page may ask for. */
    public static final int MAX_LIMIT = 10_000;

    /**
     * Validates {@code limit} (1..{@value #MAX_LIMIT}) and {@code continue} against the list's filters; a bad value is
     * a 400 naming the parameter, before anything is read.
     *
     * @param filters the list's filter parameters by name; null values are left out
     * @param keyColumns the number of columns of the list's sort key
     */
    public static PageRequest of(Integer limit, String token, Map<String, ?> filters, int keyColumns) {
        if (limit != null && (limit < 1 || limit > MAX_LIMIT)) {
            throw ProblemException.invalid("limit", "limit must be 1.." + MAX_LIMIT + ", not " + limit);
        }
        String query = filters.entrySet().stream()
                .filter(e -> e.getValue() != null)
                .map(e -> e.getKey() + "=" + e.getValue())
                .sorted()
                .collect(Collectors.joining("&"));
        if (token == null || token.isEmpty()) {
            return new PageRequest(limit, Optional.empty(), query);
        }
        if (limit == null) {
            throw ProblemException.invalid(
                    ContinueToken.PARAMETER, "continue needs limit: a token continues a paged list");
        }
        return new PageRequest(
                limit,
                Optional.of(ContinueToken.decode(token, query, keyColumns).key()),
                query);
    }

    /** Rows to fetch: one more than the page, which tells whether another page follows without a count. */
    public Integer fetch() {
        return limit == null ? null : limit + 1;
    }

    /** The page of {@code rows} (as fetched, up to {@link #fetch()}), with the next token if more rows follow. */
    public <T> Page<T> page(List<T> rows, java.util.function.Function<T, List<String>> key) {
        if (limit == null || rows.size() <= limit) {
            return new Page<>(rows, Optional.empty());
        }
        List<T> items = rows.subList(0, limit);
        return new Page<>(items, Optional.of(new ContinueToken(query, key.apply(items.getLast())).encode()));
    }
}
