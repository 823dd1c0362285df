package dev.tendril.rest.paging;

import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * One page of a list and, when more rows follow, the token of the next. As a response: the rows as a JSON array
 * (the body the unpaged lists have always had), the next page's address in {@code Link: <...>; rel="next"} (RFC
 * 8288) and the bare token in {@value #CONTINUE_HEADER}.
 */
public record Page<T>(List<T> items, Optional<String> next) {

    /** The header carrying the next page's token; absent on the last page. */
    public static final String CONTINUE_HEADER = "Tendril-Continue";

    public <V> Page<V> map(Function<T, V> view) {
        return new Page<>(items.stream().map(view).toList(), next);
    }

    /** The 200 answer: the items, and the next page's link when there is one (same path, filters and limit, relative). */
    public RestResponse<List<T>> response(UriInfo uri) {
        RestResponse.ResponseBuilder<List<T>> ok = RestResponse.ResponseBuilder.ok(items);
        next.ifPresent(token -> {
            // Relative (RFC 3986 section 4.2): right behind any proxy or port the client came through.
            URI next = uri.getRequestUriBuilder()
                    .replaceQueryParam(ContinueToken.PARAMETER, token)
                    .build();
            String link = next.getRawPath() + "?" + next.getRawQuery();
            ok.header("Link", "<" + link + ">; rel=\"next\"").header(CONTINUE_HEADER, token);
        });
        return ok.build();
    }
}
