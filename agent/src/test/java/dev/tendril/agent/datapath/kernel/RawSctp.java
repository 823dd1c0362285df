package dev.tendril.agent.datapath.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;

/**
 * SCTP probes without an SCTP stack (the test kernel may have none): an SCTP INIT chunk sent through a
 * raw IP socket from the source pod, and a raw socket in the destination pod that sees every SCTP packet
 * arriving there. A probe passed when its (source, ports) arrived. The destination kernel answers with
 * ICMP "protocol unreachable", which the datapath passes as related to the probe's connection.
 */
final class RawSctp implements AutoCloseable {
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int SOCK_RAW = 3;
    private static final int IPPROTO_SCTP = 132;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final MethodHandle SOCKET;
    private static final MethodHandle BIND;
    private static final MethodHandle SENDTO;
    private static final MethodHandle RECVFROM;
    private static final MethodHandle SETSOCKOPT;
    private static final MethodHandle CLOSE;

    static {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        SOCKET = linker.downcallHandle(
                libc.find("socket").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        BIND = linker.downcallHandle(
                libc.find("bind").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        SENDTO = linker.downcallHandle(
                libc.find("sendto").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
        RECVFROM = linker.downcallHandle(
                libc.find("recvfrom").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
        SETSOCKOPT = linker.downcallHandle(
                libc.find("setsockopt").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        CLOSE = linker.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    private final int fd;
    private final boolean v4;
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private volatile boolean open = true;
    private Thread reader;

    private RawSctp(int fd, boolean v4) {
        this.fd = fd;
        this.v4 = v4;
    }

    /** A raw SCTP socket in {@code pod}'s namespace, bound to its address of the family. */
    static RawSctp open(KernelCluster.Pod pod, boolean v4) {
        int fd = Netns.call(pod.netns(), () -> call(SOCKET, v4 ? AF_INET : AF_INET6, SOCK_RAW, IPPROTO_SCTP));
        if (fd < 0) {
            throw new IllegalStateException("socket(SOCK_RAW, IPPROTO_SCTP) failed in " + pod.netns());
        }
        RawSctp s = new RawSctp(fd, v4);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = sockaddr(arena, pod.address(v4));
            if (call(BIND, fd, addr, (int) addr.byteSize()) < 0) {
                s.close();
                throw new IllegalStateException("bind of a raw socket to " + pod.address(v4) + " failed");
            }
            MemorySegment tv = arena.allocate(16, 8);
            tv.set(JAVA_LONG, 8, 100_000); // 100 ms, so the reader notices close()
            call(SETSOCKOPT, fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
        }
        return s;
    }

    /** Starts recording the SCTP packets arriving in the pod; the socket still sends. */
    RawSctp listen() {
        reader = Thread.ofPlatform().daemon().name("raw-sctp-" + fd).start(this::read);
        return this;
    }

    /** Whether an SCTP packet from {@code source} with these ports arrived. */
    boolean received(InetAddress source, int sourcePort, int destinationPort) {
        return seen.contains(key(source, sourcePort, destinationPort));
    }

    /** One SCTP INIT to {@code to:dport} from {@code sport}. */
    void sendInit(InetAddress to, int sport, int dport) {
        ByteBuffer p = ByteBuffer.allocate(32).order(ByteOrder.BIG_ENDIAN);
        p.putShort((short) sport).putShort((short) dport).putInt(0).putInt(0);
        p.put((byte) 1).put((byte) 0).putShort((short) 20);
        p.putInt(0x1234_5678)
                .putInt(65536)
                .putShort((short) 1)
                .putShort((short) 1)
                .putInt(1);
        CRC32C crc = new CRC32C();
        crc.update(p.array());
        p.order(ByteOrder.LITTLE_ENDIAN).putInt(8, (int) crc.getValue());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocateFrom(JAVA_BYTE, p.array());
            MemorySegment addr = sockaddr(arena, to);
            long r = callLong(SENDTO, fd, buf, (long) p.capacity(), 0, addr, (int) addr.byteSize());
            if (r < 0) {
                throw new IllegalStateException("sendto " + to + " failed");
            }
        }
    }

    private void read() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(2048);
            MemorySegment from = arena.allocate(28, 8);
            MemorySegment len = arena.allocate(JAVA_INT);
            while (open) {
                len.set(JAVA_INT, 0, 28);
                long n = callLong(RECVFROM, fd, buf, 2048L, 0, from, len);
                if (n <= 0) {
                    continue;
                }
                byte[] data = buf.asSlice(0, n).toArray(JAVA_BYTE);
                int off = 0;
                byte[] src;
                if (v4) {
                    off = (data[0] & 0x0f) * 4;
                    src = java.util.Arrays.copyOfRange(data, 12, 16);
                } else {
                    src = from.asSlice(8, 16).toArray(JAVA_BYTE);
                }
                if (n < off + 4) {
                    continue;
                }
                ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.BIG_ENDIAN);
                seen.add(key(InetAddress.getByAddress(src), b.getShort(off) & 0xFFFF, b.getShort(off + 2) & 0xFFFF));
            }
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String key(InetAddress source, int sport, int dport) {
        return source.getHostAddress() + "|" + sport + "|" + dport;
    }

    private static MemorySegment sockaddr(Arena arena, InetAddress address) {
        byte[] raw = address.getAddress();
        if (address instanceof Inet4Address) {
            MemorySegment s = arena.allocate(16, 8);
            s.set(JAVA_SHORT_UNALIGNED, 0, (short) AF_INET);
            MemorySegment.copy(raw, 0, s, JAVA_BYTE, 4, 4);
            return s;
        }
        MemorySegment s = arena.allocate(28, 8);
        s.set(JAVA_SHORT_UNALIGNED, 0, (short) AF_INET6);
        MemorySegment.copy(raw, 0, s, JAVA_BYTE, 8, 16);
        return s;
    }

    private static int call(MethodHandle h, Object... args) {
        try {
            return (int) h.invokeWithArguments(args);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static long callLong(MethodHandle h, Object... args) {
        try {
            return (long) h.invokeWithArguments(args);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void close() {
        open = false;
        if (reader != null) {
            try {
                reader.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        call(CLOSE, fd);
    }
}
