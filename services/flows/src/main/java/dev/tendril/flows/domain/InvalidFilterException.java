package dev.tendril.flows.domain;

/** A filter or query that cannot be evaluated; {@link #field()} names the input at fault. */
public final class InvalidFilterException extends RuntimeException {

    private final String field;

    public InvalidFilterException(String field, String reason) {
        super(field + ": " + reason);
        this.field = field;
    }

    public String field() {
        return field;
    }

    public String reason() {
        return getMessage().substring(field.length() + 2);
    }
}
