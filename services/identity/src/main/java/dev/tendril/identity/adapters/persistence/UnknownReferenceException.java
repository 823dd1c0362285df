package dev.tendril.identity.adapters.persistence;

/**
 * Well-formed input that refers to something that does not exist (an endpoint in an unknown
 * namespace): 422, unlike malformed input (400) or a missing addressed resource (404).
 */
public final class UnknownReferenceException extends RuntimeException {

    private final String field;

    public UnknownReferenceException(String field, String reason) {
        super(reason);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
