package dev.tendril.datapath.maps;

/**
 * A map operation the kernel (or the in-memory map standing in for it) refused, with the errno it
 * returned. A full map is {@link Errno#E2BIG} for hash maps and {@link Errno#ENOSPC} for LPM tries,
 * as in the kernel; {@link #isMapFull()} covers both.
 */
public final class BpfMapException extends RuntimeException {
    private final Errno errno;
    private final String mapName;

    public BpfMapException(String mapName, Errno errno, String message) {
        super(mapName + ": " + message + " (" + errno + ")");
        this.mapName = mapName;
        this.errno = errno;
    }

    public Errno errno() {
        return errno;
    }

    public String mapName() {
        return mapName;
    }

    /** True when the update failed because the map holds {@code max_entries} entries already. */
    public boolean isMapFull() {
        return errno == Errno.E2BIG || errno == Errno.ENOSPC;
    }
}
