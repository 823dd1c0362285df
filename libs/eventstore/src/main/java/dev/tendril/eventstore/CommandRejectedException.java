package dev.tendril.eventstore;

/**
 * A decider refused a command. {@code field} names the input at fault (for problem+json), and
 * {@code kind} says what sort of refusal it is, which the REST adapters map to a status code.
 */
public final class CommandRejectedException extends RuntimeException {

    /** What kind of refusal: maps to 400/422, 404 and 409. */
    public enum Kind {
        INVALID,
        NOT_FOUND,
        CONFLICT
    }

    private final Kind kind;
    private final String field;

    public CommandRejectedException(Kind kind, String field, String reason) {
        super(reason);
        this.kind = kind;
        this.field = field;
    }

    public static CommandRejectedException invalid(String field, String reason) {
        return new CommandRejectedException(Kind.INVALID, field, reason);
    }

    public static CommandRejectedException notFound(String field, String reason) {
        return new CommandRejectedException(Kind.NOT_FOUND, field, reason);
    }

    public static CommandRejectedException conflict(String field, String reason) {
        return new CommandRejectedException(Kind.CONFLICT, field, reason);
    }

    public Kind kind() {
        return kind;
    }

    public String field() {
        return field;
    }

    public String reason() {
        return getMessage();
    }
}
