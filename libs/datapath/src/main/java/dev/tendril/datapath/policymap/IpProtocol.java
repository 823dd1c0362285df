package dev.tendril.datapath.policymap;

/** IANA protocol numbers as they appear in the policy map's {@code protocol} byte. */
public final class IpProtocol {
    /** In a policy map key with no protocol bits in its prefix: any protocol. */
    public static final int ANY = 0;

    public static final int ICMP = 1;
    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int ICMPV6 = 58;
    public static final int SCTP = 132;

    private IpProtocol() {}

    /** TCP, UDP, SCTP, ICMP, ICMPv6, ANY (for 0), else the number. */
    public static String name(int protocol) {
        return switch (protocol) {
            case ANY -> "ANY";
            case ICMP -> "ICMP";
            case TCP -> "TCP";
            case UDP -> "UDP";
            case ICMPV6 -> "ICMPv6";
            case SCTP -> "SCTP";
            default -> Integer.toString(protocol);
        };
    }

    /** The number for TCP, UDP, SCTP, ICMP, ICMPv6 or ANY (case-insensitive). */
    public static int parse(String name) {
        if (name == null) {
            throw new IllegalArgumentException("protocol must not be null");
        }
        return switch (name.toUpperCase(java.util.Locale.ROOT)) {
            case "ANY" -> ANY;
            case "ICMP" -> ICMP;
            case "TCP" -> TCP;
            case "UDP" -> UDP;
            case "ICMPV6" -> ICMPV6;
            case "SCTP" -> SCTP;
            default ->
                throw new IllegalArgumentException("protocol must be TCP, UDP, SCTP, ICMP, ICMPv6 or ANY, got " + name);
        };
    }
}
