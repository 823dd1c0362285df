package dev.tendril.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Unused loopback ports, for servers a test or a benchmark starts. */
public final class FreePorts {

    private FreePorts() {}

    /**
     * Asks the kernel for an unused loopback port. The port is released again before it is returned, so
     * another process could take it first; callers pick the port up front anyway because a broker that
     * restarts must come back on the address its clients already know.
     */
    public static int pick() {
        try (var socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free loopback port", e);
        }
    }

    static int orPick(int port) {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("Port must be 0 (pick one) or 1-65535, was " + port);
        }
        return port == 0 ? pick() : port;
    }
}
