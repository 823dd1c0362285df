package dev.tendril.agent.probe;

/** A probe that cannot be answered: 400 (bad field), 404 (unknown pod), 409, 422, 502/503 (a peer agent). */
public final class ProbeException extends RuntimeException {

    private final int status;
    private final String field;

    public ProbeException(int status, String field, String message) {
        super(message);
        this.status = status;
        this.field = field;
    }

    public static ProbeException invalid(String field, String message) {
        return new ProbeException(400, field, field + ": " + message);
    }

    public int status() {
        return status;
    }

    /** The request field at fault, or null. */
    public String field() {
        return field;
    }
}
