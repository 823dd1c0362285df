package dev.tendril.deploy;

/** The stack cannot start; the message is what the operator reads, possibly several lines (a log tail). */
final class StartupFailure extends RuntimeException {
    StartupFailure(String message) {
        super(message);
    }

    StartupFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
