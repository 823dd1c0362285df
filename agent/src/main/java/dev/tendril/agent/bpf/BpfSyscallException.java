package dev.tendril.agent.bpf;

/**
 * A {@code bpf(2)} or {@code close(2)} call that failed with an errno that
 * {@link dev.tendril.datapath.maps.Errno} has no name for (EBADF, EACCES, EFAULT, ENOTSUPP...), or a
 * kernel that offers no {@code bpf(2)} at all. Failures with a named errno are
 * {@link dev.tendril.datapath.maps.BpfMapException}s, as in the in-memory maps.
 */
public final class BpfSyscallException extends RuntimeException {
    private final int errno;

    public BpfSyscallException(String message, int errno) {
        super(message + (errno > 0 ? " (" + Bpf.errnoName(errno) + ")" : ""));
        this.errno = errno;
    }

    /** The raw errno, 0 when the failure did not come from the kernel. */
    public int errno() {
        return errno;
    }
}
