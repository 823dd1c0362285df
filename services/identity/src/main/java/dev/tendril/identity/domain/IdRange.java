package dev.tendril.identity.domain;

/** The inclusive range of numeric identities one installation allocates from. */
public record IdRange(long min, long max) {

    public IdRange {
        if (min < ReservedIdentity.FIRST_ALLOCATABLE || max < min) {
            throw new IllegalArgumentException("invalid identity range [" + min + ", " + max + "]");
        }
    }

    public boolean contains(long id) {
        return id >= min && id <= max;
    }

    public long size() {
        return max - min + 1;
    }

    @Override
    public String toString() {
        return "[" + min + ", " + max + "]";
    }
}
