package dev.tendril.topics;

/**
 * A step the follower could not take (the handler threw, a required topic is missing): retried, keeping
 * the consumer, which is fine.
 */
final class StepFailure extends RuntimeException {

    StepFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
