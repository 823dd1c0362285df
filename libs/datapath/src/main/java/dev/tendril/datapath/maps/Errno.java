package dev.tendril.datapath.maps;

import java.util.Optional;

/** The errors a map operation can fail with, named and numbered as on Linux x86-64. */
public enum Errno {
    EPERM(1),
    ENOENT(2),
    E2BIG(7),
    ENOMEM(12),
    EEXIST(17),
    EINVAL(22),
    ENOSPC(28);

    private final int number;

    Errno(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    /** The constant for a raw errno, or empty when Tendril has no name for it. */
    public static Optional<Errno> of(int number) {
        for (Errno e : values()) {
            if (e.number == number) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }
}
