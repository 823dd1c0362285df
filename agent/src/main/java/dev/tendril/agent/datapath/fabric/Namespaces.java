package dev.tendril.agent.datapath.fabric;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Named network namespaces: created once and then reused, never replaced while alive. */
final class Namespaces {

    /** An alive namespace and its links; {@code reused} when it was there before the call. */
    record State(boolean reused, List<Ip.Link> links) {}

    private Namespaces() {}

    static boolean exists(String name) {
        return Files.exists(Names.netnsPath(name));
    }

    /**
     * The namespace {@code name}, created when missing. A file left in /var/run/netns with no namespace
     * mounted on it (a reboot kept the directory) is removed and the namespace created anew: there is
     * nothing alive to keep. A mounted one is always kept.
     */
    static State ensure(String name) {
        if (exists(name)) {
            if (mounted(name)) {
                return new State(true, Ip.links(name));
            }
            Ip.run(null, "netns", "del", name);
        }
        Ip.Result add = Ip.attempt(null, "netns", "add", name);
        if (!add.ok() && !exists(name)) {
            Ip.run(null, "netns", "add", name);
        }
        return new State(!add.ok(), Ip.links(name));
    }

    /**
     * Whether a network namespace (nsfs) is mounted at the name's file, per /proc/self/mountinfo (whose
     * octal escapes of blanks never matter: the fabric's names have none).
     */
    static boolean mounted(String name) {
        try {
            String point = Names.NETNS_DIR.toRealPath().resolve(name).toString();
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                int dash = line.indexOf(" - ");
                if (f.length > 4
                        && f[4].equals(point)
                        && dash > 0
                        && line.substring(dash + 3).startsWith("nsfs ")) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw new FabricException("cannot read /proc/self/mountinfo: " + e.getMessage(), e);
        }
    }

    /** Deletes the namespace's name: whether it was there. Its links go once nothing holds it any more. */
    static boolean delete(String name) {
        if (!exists(name)) {
            return false;
        }
        Ip.run(null, "netns", "del", name);
        return true;
    }

    static Ip.Link find(List<Ip.Link> links, String name) {
        return links.stream().filter(l -> l.name().equals(name)).findFirst().orElse(null);
    }

    /**
     * Whether {@code a} and {@code b} (in namespace {@code bNetns}) are the two ends of one veth: each names
     * the other's index as its peer, and {@code a}'s peer is in {@code bNetns} when ip names it.
     */
    static boolean paired(Ip.Link a, Ip.Link b, String bNetns) {
        return a != null
                && b != null
                && a.peerIndex() == b.index()
                && b.peerIndex() == a.index()
                && (a.peerNetns().isEmpty() || a.peerNetns().equals(bNetns));
    }

    /** Deletes a link, no error when it is already gone (with its peer, say). */
    static void deleteLink(String netns, String name) {
        Ip.Result r = Ip.attempt(netns, "link", "del", name);
        if (!r.ok() && !r.err().contains("Cannot find device")) {
            Ip.run(netns, "link", "del", name);
        }
    }
}
