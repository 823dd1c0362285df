package dev.tendril.rest.access;

/** The outcome of an access check; a refusal says what is missing in words an operator can act on. */
public sealed interface Decision {

    record Permit() implements Decision {}

    /** 401 / UNAUTHENTICATED: no certificate was presented. */
    record Unauthenticated(String detail) implements Decision {}

    /** 403 / PERMISSION_DENIED: a certificate whose role does not allow the operation. */
    record Forbidden(String detail) implements Decision {}
}
