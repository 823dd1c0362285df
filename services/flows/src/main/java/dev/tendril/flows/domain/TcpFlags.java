package dev.tendril.flows.domain;

import java.util.Locale;

/** TCP flags as bits, in {@code flow.TCPFlags} field order (FIN = field 1 = bit 0). */
public final class TcpFlags {

    public static final int FIN = 1;
    public static final int SYN = 1 << 1;
    public static final int RST = 1 << 2;
    public static final int PSH = 1 << 3;
    public static final int ACK = 1 << 4;
    public static final int URG = 1 << 5;
    public static final int ECE = 1 << 6;
    public static final int CWR = 1 << 7;
    public static final int NS = 1 << 8;

    private static final String[] NAMES = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "NS"};

    private TcpFlags() {}

    /** {@code SYN,ACK} (any case, {@code ,} or {@code |} separated) as a mask. */
    public static int parse(String text, String field) {
        int mask = 0;
        for (String part : text.split("[,|]")) {
            String name = part.trim().toUpperCase(Locale.ROOT);
            int bit = -1;
            for (int i = 0; i < NAMES.length; i++) {
                if (NAMES[i].equals(name)) {
                    bit = i;
                }
            }
            if (bit < 0) {
                throw new InvalidFilterException(
                        field, "unknown TCP flag '" + part.trim() + "' (FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, NS)");
            }
            mask |= 1 << bit;
        }
        return mask;
    }

    public static String name(int bit) {
        return NAMES[Integer.numberOfTrailingZeros(bit)];
    }
}
