package dev.tendril.agent.bpf;

/**
 * The object pinned at a path is not a map Tendril reads and writes: a program, a link, or a map of another
 * type (the kernel datapath pins its ring buffer and program arrays beside the maps).
 */
public final class UnsupportedPinException extends IllegalStateException {

    public UnsupportedPinException(String message) {
        super(message);
    }
}
