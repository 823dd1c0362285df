package dev.tendril.agent.sim;

import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.policymap.PolicyMapKey;

/**
 * How a churn run's records say which scheduled event they belong to, so that an agent's map write can be timed
 * against the event's scheduled time without any message besides the topics: churn pod {@code k} gets the address
 * {@code 10.128.0.0 + k} (seed pods stay below 10.128.0.0), policy change {@code j} adds an ingress entry on TCP port
 * {@code 20000 + j}.
 */
public final class ChurnMarks {

    /** Churn pods' addresses start here (10.128.0.0/9, room for 8 million pods). */
    private static final int FIRST_CHURN_ADDRESS = (10 << 24) | (128 << 16);

    private static final int CHURN_ADDRESSES = 1 << 23;
    /** Policy change {@code j}'s port; the seed's policy entries use ports below it. */
    public static final int FIRST_CHANGE_PORT = 20_000;

    public static final int MAX_CHANGES = 65_535 - FIRST_CHANGE_PORT;

    private ChurnMarks() {}

    /** Churn pod {@code k}'s IPv4 address. */
    public static String podAddress(int k) {
        if (k < 0 || k >= CHURN_ADDRESSES) {
            throw new IllegalArgumentException("churn pod " + k + " out of 0.." + (CHURN_ADDRESSES - 1));
        }
        int a = FIRST_CHURN_ADDRESS + k;
        return (a >>> 24) + "." + (a >>> 16 & 0xFF) + "." + (a >>> 8 & 0xFF) + "." + (a & 0xFF);
    }

    /** The churn pod an ipcache key is the address of, or -1 for any other key. */
    public static int podOf(byte[] ipcacheKey) {
        // Read in place (IpcacheKey's layout: prefix length, cluster, pad, family, address): called for every
        // write of every agent, where decoding into an InetAddress would add to the cost measured.
        if (ipcacheKey.length != IpcacheKey.SIZE
                || ipcacheKey[7] != IpcacheKey.FAMILY_IPV4
                || ipcacheKey[0] != IpcacheKey.STATIC_PREFIX_BITS + 32) {
            return -1;
        }
        byte[] b = ipcacheKey;
        int a = (b[8] & 0xFF) << 24 | (b[9] & 0xFF) << 16 | (b[10] & 0xFF) << 8 | (b[11] & 0xFF);
        int k = a - FIRST_CHURN_ADDRESS;
        return k >= 0 && k < CHURN_ADDRESSES ? k : -1;
    }

    /** Policy change {@code j}'s port. */
    public static int changePort(int j) {
        if (j < 0 || j > MAX_CHANGES) {
            throw new IllegalArgumentException("policy change " + j + " out of 0.." + MAX_CHANGES);
        }
        return FIRST_CHANGE_PORT + j;
    }

    /** The policy change a policy-map key belongs to, or -1 for any other key. */
    public static int changeOf(byte[] policyKey) {
        if (policyKey.length != PolicyMapKey.SIZE) {
            return -1;
        }
        int port = (policyKey[10] & 0xFF) << 8 | (policyKey[11] & 0xFF);
        return port >= FIRST_CHANGE_PORT ? port - FIRST_CHANGE_PORT : -1;
    }
}
