package dev.tendril.datapath.maps;

/** The {@code flags} argument of {@code BPF_MAP_UPDATE_ELEM}. */
public enum UpdateFlag {
    /** Create the entry or replace it. */
    ANY(0),
    /** Create the entry only; an existing key fails with {@link Errno#EEXIST}. */
    NOEXIST(1),
    /** Replace the entry only; a missing key fails with {@link Errno#ENOENT}. */
    EXIST(2);

    private final int kernelValue;

    UpdateFlag(int kernelValue) {
        this.kernelValue = kernelValue;
    }

    /** {@code BPF_ANY}, {@code BPF_NOEXIST} or {@code BPF_EXIST}. */
    public int kernelValue() {
        return kernelValue;
    }
}
