package dev.tendril.identity.app;

/**
 * Well-formed input that refers to something that does not exist (an endpoint in an unknown
 * namespace or, when nodes must be registered, on an unknown node): 422, unlike malformed input (400)
 * or a missing addressed resource (404).
 */
public class UnknownReferenceException extends RuntimeException {

    private final String field;

    public UnknownReferenceException(String field, String reason) {
        super(reason);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
