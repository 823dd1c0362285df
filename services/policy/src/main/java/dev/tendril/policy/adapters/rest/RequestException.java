package dev.tendril.policy.adapters.rest;

/** A request refused before anything changed: status 400 or 404, naming the field at fault. */
public final class RequestException extends RuntimeException {

    private final int status;
    private final String field;

    private RequestException(int status, String field, String reason) {
        super(reason);
        this.status = status;
        this.field = field;
    }

    public static RequestException invalid(String field, String reason) {
        return new RequestException(400, field, reason);
    }

    public static RequestException notFound(String field, String reason) {
        return new RequestException(404, field, reason);
    }

    public int status() {
        return status;
    }

    public String field() {
        return field;
    }
}
