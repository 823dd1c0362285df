package dev.tendril.agent.datapath.kernel;

/**
 * Sizes and options of the maps and programs the kernel datapath creates itself (the ipcache, cilium_lxc
 * and the policy maps are the agent's and keep the size they were created with). Changing a size
 * recreates that map, empty, at the next load.
 *
 * @param ctTcpEntries {@code cilium_ct4_global} and {@code cilium_ct6_global}; Cilium's default 524,288
 * @param ctAnyEntries {@code cilium_ct_any4_global} and {@code cilium_ct_any6_global}; Cilium's default 262,144
 * @param ringBufferBytes {@code tendril_events}, a power of two of at least one page
 * @param worldIpv4 identity of IPv4 addresses the ipcache does not know: 2 (world), or 9 in dual-stack mode
 * @param worldIpv6 2, or 10 in dual-stack mode
 * @param reportForwarded report allowed policy verdicts of new connections, not only drops
 * @param tcx attach the pods' programs as tcx links where the kernel has tcx (6.6+; Cilium's {@code enable-tcx},
 *     also on by default); false, or a kernel without tcx: cls_bpf filters under a clsact qdisc
 * @param conntrackAccounting count packets and bytes in every CT entry (Cilium's {@code bpf-conntrack-accounting}, off
 *     by default there too: two atomic adds per packet on a cache line both directions of a connection share)
 */
public record KernelDatapathConfig(
        int ctTcpEntries,
        int ctAnyEntries,
        int ringBufferBytes,
        long worldIpv4,
        long worldIpv6,
        boolean reportForwarded,
        boolean tcx,
        boolean conntrackAccounting) {

    public static final int DEFAULT_CT_TCP_ENTRIES = 524_288;
    public static final int DEFAULT_CT_ANY_ENTRIES = 262_144;
    public static final int DEFAULT_RING_BUFFER_BYTES = 1 << 20;
    private static final int MIN_RING_BUFFER_BYTES = 4096;

    public KernelDatapathConfig {
        if (ctTcpEntries < 1 || ctAnyEntries < 1) {
            throw new IllegalArgumentException(
                    "CT map sizes must be positive, got " + ctTcpEntries + " and " + ctAnyEntries);
        }
        if (ringBufferBytes < MIN_RING_BUFFER_BYTES || Integer.bitCount(ringBufferBytes) != 1) {
            throw new IllegalArgumentException("ringBufferBytes must be a power of two of at least "
                    + MIN_RING_BUFFER_BYTES + ", got " + ringBufferBytes);
        }
        if (worldIpv4 < 0 || worldIpv4 > 0xFFFF_FFFFL || worldIpv6 < 0 || worldIpv6 > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("world identities must be u32");
        }
    }

    /**
     * Cilium's sizes, world = 2 for both families, forwarded verdicts reported, tcx where the kernel has it, no CT
     * accounting.
     */
    public static KernelDatapathConfig defaults() {
        return new KernelDatapathConfig(
                DEFAULT_CT_TCP_ENTRIES, DEFAULT_CT_ANY_ENTRIES, DEFAULT_RING_BUFFER_BYTES, 2, 2, true, true, false);
    }

    public KernelDatapathConfig withConntrackSizes(int tcp, int any) {
        return new KernelDatapathConfig(
                tcp, any, ringBufferBytes, worldIpv4, worldIpv6, reportForwarded, tcx, conntrackAccounting);
    }

    public KernelDatapathConfig withReportForwarded(boolean report) {
        return new KernelDatapathConfig(
                ctTcpEntries, ctAnyEntries, ringBufferBytes, worldIpv4, worldIpv6, report, tcx, conntrackAccounting);
    }

    public KernelDatapathConfig withTcx(boolean useTcx) {
        return new KernelDatapathConfig(
                ctTcpEntries,
                ctAnyEntries,
                ringBufferBytes,
                worldIpv4,
                worldIpv6,
                reportForwarded,
                useTcx,
                conntrackAccounting);
    }

    public KernelDatapathConfig withConntrackAccounting(boolean count) {
        return new KernelDatapathConfig(
                ctTcpEntries, ctAnyEntries, ringBufferBytes, worldIpv4, worldIpv6, reportForwarded, tcx, count);
    }
}
