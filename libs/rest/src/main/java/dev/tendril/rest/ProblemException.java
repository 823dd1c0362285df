package dev.tendril.rest;

/**
 * A refusal an adapter raises with its status and the field at fault; answered as problem+json. For
 * refusals that come from no domain decision (a query parameter, a dependency that is unavailable).
 */
public class ProblemException extends RuntimeException {

    private final int status;
    private final String field;

    public ProblemException(int status, String field, String detail) {
        super(detail);
        this.status = status;
        this.field = field;
    }

    public ProblemException(int status, String field, String detail, Throwable cause) {
        super(detail, cause);
        this.status = status;
        this.field = field;
    }

    public static ProblemException invalid(String field, String reason) {
        return new ProblemException(400, field, reason);
    }

    /** A dependency (database, broker, another service) cannot be reached; nothing was changed. */
    public static ProblemException unavailable(String dependency, String detail, Throwable cause) {
        return new ProblemException(503, null, dependency + " unavailable: " + detail, cause);
    }

    public int status() {
        return status;
    }

    public String field() {
        return field;
    }
}
