package dev.tendril.policy.lb;

/** A command refused: the HTTP-like status (404, 409, 422), the field at fault and why. Nothing changed. */
public final class LbRejected extends RuntimeException {

    private final int status;
    private final String field;

    public LbRejected(int status, String field, String reason) {
        super(reason);
        this.status = status;
        this.field = field;
    }

    public int status() {
        return status;
    }

    public String field() {
        return field;
    }
}
