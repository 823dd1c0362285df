package dev.tendril.rest.security;

/** A refusal of the access check, answered by {@link AccessRefusals}: 401 or 403 with {@code detail}. */
public class AccessDeniedException extends RuntimeException {

    private final int status;

    public AccessDeniedException(int status, String detail) {
        super(detail, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
