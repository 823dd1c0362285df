package dev.tendril.agent.datapath.kernel;

/**
 * The kernel datapath could not be loaded, attached or read: libbpf or the kernel refused, with libbpf's
 * own messages (the verifier log included) when it printed any.
 */
public final class KernelDatapathException extends RuntimeException {

    public KernelDatapathException(String message) {
        super(message);
    }

    /** A libbpf or bpf(2) call that returned {@code -errno}. */
    static KernelDatapathException failed(String what, int result) {
        int errno = -result;
        return new KernelDatapathException(what + " failed: " + LibBpf.errnoName(errno)
                + (errno == LibBpf.EPERM ? " (needs root, or CAP_BPF and CAP_NET_ADMIN)" : ""));
    }
}
