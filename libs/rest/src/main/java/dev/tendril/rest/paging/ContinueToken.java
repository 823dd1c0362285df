package dev.tendril.rest.paging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.tendril.rest.ProblemException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The opaque {@code continue} token of a list page: the sort key of the page's last row and the query (filters) it
 * was issued for. A keyset token never expires: the next page starts after that key whatever was written since, so
 * rows present all along are listed once each, in order, and rows added behind the key are not.
 *
 * @param query the list's filters, canonical ({@code namespace=a&node=b}); a token is refused for another query
 * @param key the last row's sort key, column by column
 */
public record ContinueToken(String query, List<String> key) {

    /** The query parameter carrying the token, named in every refusal. */
    public static final String PARAMETER = "continue";

    private static final int VERSION = 1;
    private static final int MAX_LENGTH = 4096;
    private static final ObjectMapper JSON = new ObjectMapper();

    public ContinueToken {
        key = List.copyOf(key);
    }

    /** URL-safe base64 of {@code [1, query, key...]}; opaque to clients. */
    public String encode() {
        ArrayNode array = JSON.createArrayNode().add(VERSION).add(query);
        key.forEach(array::add);
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsBytes(array));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a continue token", e);
        }
    }

    /**
     * The token as sent back, checked against the query it is used with and the number of key columns; a token
     * that is not one of ours, or was issued for other filters, is a 400 naming {@code continue}.
     */
    public static ContinueToken decode(String token, String query, int keyColumns) {
        if (token.length() > MAX_LENGTH) {
            throw invalid("the continue token is longer than " + MAX_LENGTH + " characters");
        }
        JsonNode array;
        try {
            array = JSON.readTree(Base64.getUrlDecoder().decode(token.getBytes(StandardCharsets.US_ASCII)));
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw invalid("the continue token is not one this service issued");
        }
        if (array == null
                || !array.isArray()
                || array.size() != 2 + keyColumns
                || array.get(0).asInt(-1) != VERSION) {
            throw invalid("the continue token is not one this service issued");
        }
        List<String> key = new ArrayList<>(keyColumns);
        for (int i = 0; i < array.size(); i++) {
            if (!array.get(i).isValueNode() || array.get(i).isNull()) {
                throw invalid("the continue token is not one this service issued");
            }
            if (i >= 2) {
                key.add(array.get(i).asText());
            }
        }
        if (!array.get(1).asText().equals(query)) {
            throw invalid("the continue token was issued for another query ("
                    + array.get(1).asText() + "); repeat the first request's filters, or start again without continue");
        }
        return new ContinueToken(query, key);
    }

    private static ProblemException invalid(String reason) {
        return ProblemException.invalid(PARAMETER, reason);
    }
}
