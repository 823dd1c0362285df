package dev.tendril.cli.status;

/** Result of one check of one component. */
public enum Health {
    /** Ready (HTTP 200 with status UP), or the port accepts connections. */
    OK,
    /** Answers, but says it is not ready. */
    DOWN,
    /** Nothing answered in time. */
    UNREACHABLE
}
