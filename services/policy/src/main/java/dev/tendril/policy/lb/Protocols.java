package dev.tendril.policy.lb;

/** The protocols a Service port may name, and their IP protocol numbers. */
public final class Protocols {

    private Protocols() {}

    public static boolean supported(String protocol) {
        return protocol.equals("TCP") || protocol.equals("UDP") || protocol.equals("SCTP");
    }

    public static int number(String protocol) {
        return switch (protocol) {
            case "TCP" -> 6;
            case "UDP" -> 17;
            case "SCTP" -> 132;
            default -> throw new IllegalArgumentException("unsupported protocol " + protocol);
        };
    }

    public static String name(int number) {
        return switch (number) {
            case 6 -> "TCP";
            case 17 -> "UDP";
            case 132 -> "SCTP";
            default -> Integer.toString(number);
        };
    }
}
