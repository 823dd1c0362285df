package dev.tendril.agent.datapath.fabric;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The prefix of every network namespace and bpffs directory of one local stack. Lower-case letters and
 * digits only: the fabric separates the parts of its names with {@code _}, which neither a prefix nor a
 * Kubernetes name contains, so the names of one stack never start with another stack's prefix.
 */
public record StackPrefix(String value) {
    private static final Pattern VALID = Pattern.compile("[a-z][a-z0-9]{1,15}");

    public StackPrefix {
        if (value == null || !VALID.matcher(value).matches()) {
            throw new IllegalArgumentException("a stack prefix is 2 to 16 lower-case letters and digits, starting with"
                    + " a letter; got " + value);
        }
    }

    /**
     * The prefix of the stack identified by {@code stackKey} (what tells two stacks apart on one host, such
     * as the data directory's absolute path and the port offset): {@code td} and 8 hex digits of its
     * SHA-256, so the same key always gives the same prefix.
     */
    public static StackPrefix derive(String stackKey) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(stackKey.getBytes(StandardCharsets.UTF_8));
            return new StackPrefix("td" + HexFormat.of().formatHex(hash, 0, 4));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a required JDK algorithm", e);
        }
    }

    /** Whether the network namespace {@code name} belongs to this stack. */
    public boolean owns(String name) {
        return name.equals(value) || name.startsWith(value + Names.SEPARATOR);
    }

    /** This stack's bpffs directory under {@code bpffsRoot}; a node's pins go in {@code <it>/<node>}. */
    public Path bpffsDirectory(Path bpffsRoot) {
        return bpffsRoot.resolve(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
