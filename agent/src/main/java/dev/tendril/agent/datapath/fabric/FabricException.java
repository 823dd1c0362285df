package dev.tendril.agent.datapath.fabric;

/** A command that wires or unwires the fabric failed: the message has the command, its input and its stderr. */
public final class FabricException extends RuntimeException {

    public FabricException(String message) {
        super(message);
    }

    FabricException(String message, Throwable cause) {
        super(message, cause);
    }
}
