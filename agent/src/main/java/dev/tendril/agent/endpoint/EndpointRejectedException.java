package dev.tendril.agent.endpoint;

/** A request the endpoint API refuses without changing anything: 400 (bad field), 404, 409. */
public final class EndpointRejectedException extends RuntimeException {

    private final int status;
    private final String field;

    public EndpointRejectedException(int status, String field, String message) {
        super(message);
        this.status = status;
        this.field = field;
    }

    public static EndpointRejectedException invalid(String field, String message) {
        return new EndpointRejectedException(400, field, field + ": " + message);
    }

    public int status() {
        return status;
    }

    public String field() {
        return field;
    }
}
