package dev.tendril.datapath.maps;

import java.util.Arrays;

/** A byte array with value equality, for use as a hash key. */
final class ByteKey {
    private final byte[] bytes;
    private final int hash;

    ByteKey(byte[] bytes) {
        this.bytes = bytes;
        this.hash = hash(bytes);
    }

    /**
     * FNV-1a over every byte. Not {@link Arrays#hashCode(byte[])}: its multiplier 31 maps keys that differ in
     * two neighbouring bytes onto few values (an IPv4 address's last two bytes {@code b10, b11} count as
     * {@code 31 * b10 + b11}), so 150,000 ipcache keys shared about 10,000 hashes and every lookup walked a
     * bucket of a dozen keys.
     */
    static int hash(byte[] bytes) {
        int h = 0x811C9DC5;
        for (byte b : bytes) {
            h = (h ^ (b & 0xFF)) * 0x01000193;
        }
        return h;
    }

    byte[] bytes() {
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ByteKey other && hash == other.hash && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
