package dev.tendril.net;

/** An address family, with its width in bits. */
public enum IpFamily {
    IPV4(32, "ipv4"),
    IPV6(128, "ipv6");

    private final int bits;
    private final String label;

    IpFamily(int bits, String label) {
        this.bits = bits;
        this.label = label;
    }

    public int bits() {
        return bits;
    }

    /** {@code ipv4} or {@code ipv6}, as written in config, APIs and error messages. */
    public String label() {
        return label;
    }

    public static IpFamily ofLabel(String label) {
        for (IpFamily family : values()) {
            if (family.label.equalsIgnoreCase(label)) {
                return family;
            }
        }
        throw new IllegalArgumentException("unknown address family '" + label + "' (ipv4 or ipv6)");
    }
}
