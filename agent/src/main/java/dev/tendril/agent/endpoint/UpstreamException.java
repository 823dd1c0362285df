package dev.tendril.agent.endpoint;

/**
 * A call to IPAM or the identity service failed.
 *
 * @param status the HTTP status the endpoint API answers with (400, 404, 409, 422, 503, 502)
 */
public final class UpstreamException extends RuntimeException {

    private final int status;
    private final String field;

    public UpstreamException(int status, String field, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.field = field;
    }

    public int status() {
        return status;
    }

    /** The field at fault, or null. */
    public String field() {
        return field;
    }
}
