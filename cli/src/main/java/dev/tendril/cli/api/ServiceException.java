package dev.tendril.cli.api;

/** A service refused or could not answer a request; the message is the one line the CLI prints. */
public final class ServiceException extends RuntimeException {

    public ServiceException(String message) {
        super(message);
    }
}
