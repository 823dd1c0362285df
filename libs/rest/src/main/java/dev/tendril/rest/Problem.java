package dev.tendril.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Locale;

/**
 * RFC 9457 problem details, plus {@code field} (the input at fault, as a JSON path such as
 * {@code labels.app} or {@code ips[1]}) and, where a request had several faults, {@code errors}.
 *
 * <p>Every text is bounded and stripped of control characters: an error must never echo a 10 MB
 * input back, nor carry a NUL that breaks the client's terminal or log.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String field, List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";
    /** Longest detail sent back; longer ones are cut with an ellipsis. */
    public static final int MAX_DETAIL = 1024;
    /** Longest field path sent back. */
    public static final int MAX_FIELD = 256;
    /** Most field errors listed in one problem. */
    public static final int MAX_ERRORS = 100;

    /** One fault of a request with many: for manifests, {@code document} is 1-based; else null. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FieldError(Integer document, String field, String reason) {

        public FieldError {
            field = bounded(field, MAX_FIELD);
            reason = bounded(reason, MAX_DETAIL);
        }
    }

    public Problem {
        title = bounded(title, MAX_FIELD);
        detail = bounded(detail, MAX_DETAIL);
        field = bounded(field, MAX_FIELD);
        errors = errors == null ? null : List.copyOf(errors.subList(0, Math.min(errors.size(), MAX_ERRORS)));
    }

    public static Problem of(int status, String title, String detail, String field, List<FieldError> errors) {
        String safeTitle = title == null ? defaultTitle(status) : title;
        return new Problem(typeUri(safeTitle), safeTitle, status, detail, field, errors);
    }

    /** A problem response with the default title for its status. */
    public static Response response(int status, String field, String detail) {
        return response(status, null, detail, field, null);
    }

    public static Response response(int status, String title, String detail, String field) {
        return response(status, title, detail, field, null);
    }

    public static Response response(int status, String title, String detail, String field, List<FieldError> errors) {
        return Response.status(status)
                .type(MEDIA_TYPE)
                .entity(of(status, title, detail, field, errors))
                .build();
    }

    /** The title operators see for a status when the refusal does not name one. */
    public static String defaultTitle(int status) {
        return switch (status) {
            case 400 -> "Invalid input";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not found";
            case 405 -> "Method not allowed";
            case 406 -> "Not acceptable";
            case 409 -> "Conflict";
            case 413 -> "Request too large";
            case 415 -> "Unsupported media type";
            case 422 -> "Unknown reference";
            case 429 -> "Too many requests";
            case 503 -> "Service unavailable";
            default -> status >= 500 ? "Internal error" : "Error";
        };
    }

    static String typeUri(String title) {
        return "https://tendril.dev/problems/" + title.toLowerCase(Locale.ROOT).replace(' ', '-');
    }

    /** Cuts {@code text} to {@code max} characters and replaces control characters with U+FFFD. */
    public static String bounded(String text, int max) {
        if (text == null) {
            return null;
        }
        int keep = Math.min(text.length(), max);
        StringBuilder out = new StringBuilder(keep + 16);
        for (int i = 0; i < keep; i++) {
            char c = text.charAt(i);
            out.append(Character.isISOControl(c) && c != '\n' && c != '\t' ? '\uFFFD' : c);
        }
        if (text.length() > max) {
            out.append("... (").append(text.length() - max).append(" more characters)");
        }
        return out.toString();
    }
}
