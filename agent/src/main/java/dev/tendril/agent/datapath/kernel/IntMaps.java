package dev.tendril.agent.datapath.kernel;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.util.List;

/**
 * Writes into the datapath's own maps keyed by a u32 ({@code tendril_ep_ifindex}, {@code tendril_policy_maps}): one
 * element per call, as attaching and detaching an endpoint needs.
 */
final class IntMaps {
    /** {@code struct endpoint_binding}: endpoint_id u32, ipv4 4 B, ipv6 16 B. */
    private static final long ENDPOINT_BINDING_SIZE = 24;

    private IntMaps() {}

    /** tendril_ep_ifindex[ifindex] = {endpoint id, IPv4 address, IPv6 address}, zeros for a family the pod lacks. */
    static void bind(int endpointIfindex, int ifindex, int endpointId, List<InetAddress> addresses) {
        byte[] ipv4 = new byte[4];
        byte[] ipv6 = new byte[16];
        for (InetAddress a : addresses) {
            byte[] raw = a.getAddress();
            System.arraycopy(raw, 0, raw.length == 4 ? ipv4 : ipv6, 0, raw.length);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = arena.allocate(JAVA_INT);
            MemorySegment v = arena.allocate(ENDPOINT_BINDING_SIZE, 4);
            k.set(JAVA_INT, 0, ifindex);
            v.set(JAVA_INT, 0, endpointId);
            MemorySegment.copy(ipv4, 0, v, JAVA_BYTE, 4, 4);
            MemorySegment.copy(ipv6, 0, v, JAVA_BYTE, 8, 16);
            int r = LibBpf.mapUpdate(endpointIfindex, k, v, LibBpf.BPF_ANY);
            if (r < 0) {
                throw KernelDatapathException.failed("update of tendril_ep_ifindex[" + ifindex + "]", r);
            }
        }
    }

    static void put(int fd, int key, int value, String map) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = arena.allocate(JAVA_INT);
            MemorySegment v = arena.allocate(JAVA_INT);
            k.set(JAVA_INT, 0, key);
            v.set(JAVA_INT, 0, value);
            int r = LibBpf.mapUpdate(fd, k, v, LibBpf.BPF_ANY);
            if (r < 0) {
                throw KernelDatapathException.failed("update of " + map + "[" + key + "]", r);
            }
        }
    }

    static void delete(int fd, int key) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = arena.allocate(JAVA_INT);
            k.set(JAVA_INT, 0, key);
            LibBpf.mapDelete(fd, k);
        }
    }
}
