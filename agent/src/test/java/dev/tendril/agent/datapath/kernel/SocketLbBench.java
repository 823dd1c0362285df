package dev.tendril.agent.datapath.kernel;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The services benchmark's handle on {@link SocketLb} (package-private, as the agent keeps it): attaches the
 * socket-LB programs at the cgroup v2 root over a pin directory whose LB maps the benchmark writes, and admits
 * one network namespace's sockets to translation.
 */
public final class SocketLbBench {
    /** The endpoint id the benchmark's client namespace is registered under in tendril_lb_netns. */
    private static final int CLIENT_ENDPOINT = 1001;

    private SocketLbBench() {}

    /** Why the socket-LB programs cannot be attached here, if they cannot. */
    public static Optional<String> unavailableReason() {
        if (SocketLb.objectBytes().isEmpty()) {
            return Optional.of("no " + SocketLb.OBJECT_RESOURCE + " in the agent's classes (built without clang)");
        }
        if (SocketLb.cgroup2Root().isEmpty()) {
            return Optional.of("no cgroup v2 hierarchy mounted");
        }
        return KernelDatapath.unavailableReason();
    }

    /** Loads the programs over {@code pinDir} (reusing its pinned LB maps) and attaches them: their ids. */
    public static List<Integer> attach(Path pinDir) {
        return SocketLb.load(pinDir, SocketLb.cgroup2Root().orElseThrow(), KernelDatapathConfig.defaults());
    }

    /** Registers the namespace at {@code netns}: its sockets are translated from now on. */
    public static long admit(Path pinDir, Path netns) {
        long cookie = Netns.cookie(netns);
        SocketLb.putNetns(pinDir, cookie, CLIENT_ENDPOINT);
        return cookie;
    }

    /** Detaches the programs (unpins their links and tendril_lb_netns). */
    public static void detach(Path pinDir) {
        SocketLb.unpin(pinDir);
    }
}
