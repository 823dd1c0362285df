package dev.tendril.deploy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;

/** Which local TCP ports are free. */
final class Ports {

    private static final int SEARCH_RANGE = 100;

    private Ports() {}

    /** True when nothing listens on {@code port} on any local address. */
    static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code preferred} when free, else the next free port above it that is not in {@code reserved}; 0 means any free port. */
    static int preferredOrNextFree(int preferred, Set<Integer> reserved) {
        if (preferred == 0) {
            return anyFree(reserved);
        }
        for (int port = preferred; port <= Math.min(65_535, preferred + SEARCH_RANGE); port++) {
            if (!reserved.contains(port) && isFree(port)) {
                return port;
            }
        }
        throw new StartupFailure("no free port in " + preferred + "-" + (preferred + SEARCH_RANGE));
    }

    private static int anyFree(Set<Integer> reserved) {
        while (true) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(0));
                if (!reserved.contains(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            } catch (IOException e) {
                throw new StartupFailure("no free port: " + e.getMessage(), e);
            }
        }
    }
}
