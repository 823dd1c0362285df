package dev.tendril.cli.stack;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The names a local stack's kernel pod network ("fabric") uses, by the agent's rules (agent module, {@code
 * datapath.fabric.StackPrefix} and {@code Names}), repeated here because the launcher and the CLI do not run the
 * agent's code (the launcher's class path has no Quarkus): the prefix, the switch {@code <prefix>}, a node {@code
 * <prefix>_<node>} and a pod {@code <prefix>_<node>_<namespace>_<pod>} network namespace.
 *
 * @param prefix {@code StackPrefix.derive} of the stack's absolute data directory ({@code td} and 8 hex digits of its
 *               SHA-256): two running stacks never share a data directory (the launcher claims it), so never a
 *               prefix, and {@code tendril exec} and {@code down} find it from the data directory alone
 */
public record StackFabric(String prefix) {

    /** Where ip-netns(8) keeps the named network namespaces. */
    public static final Path NETNS_DIR = Path.of("/var/run/netns");

    static final String SEPARATOR = "_";

    /** The form of every prefix {@link #of} derives: what a prefix from elsewhere (a peer's grant) must match. */
    public static final java.util.regex.Pattern PREFIX = java.util.regex.Pattern.compile("td[0-9a-f]{8}");

    /** The fabric of the stack whose data directory is {@code dataDir}. */
    public static StackFabric of(Path dataDir) {
        String key = dataDir.toAbsolutePath().normalize().toString();
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return new StackFabric("td" + HexFormat.of().formatHex(hash, 0, 4));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a required JDK algorithm", e);
        }
    }

    public String nodeNetns(String node) {
        return prefix + SEPARATOR + node;
    }

    public String podNetns(String node, String namespace, String pod) {
        return nodeNetns(node) + SEPARATOR + namespace + SEPARATOR + pod;
    }

    /** Whether the network namespace {@code name} is this stack's: the switch, a node's or a pod's. */
    public boolean owns(String name) {
        return name.equals(prefix) || name.startsWith(prefix + SEPARATOR);
    }

    /**
     * How deep {@code name} (one of this stack's) lies: 2 a pod, 1 a node, 0 the switch or anything else. Pods go
     * before their node and nodes before the switch, as the agent's {@code Fabric.removeAll} removes them.
     */
    public int depth(String name) {
        if (!name.startsWith(prefix + SEPARATOR)) {
            return 0;
        }
        int parts = name.substring(prefix.length() + 1).split(SEPARATOR, -1).length;
        return parts == 3 ? 2 : parts == 1 ? 1 : 0;
    }
}
