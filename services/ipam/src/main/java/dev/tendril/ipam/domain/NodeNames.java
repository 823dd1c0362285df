package dev.tendril.ipam.domain;

import dev.tendril.eventstore.CommandRejectedException;
import java.util.regex.Pattern;

/**
 * Node names follow Kubernetes object names (DNS-1123 subdomain). Checked before a node's stream is
 * read, too: a name PostgreSQL cannot store (a NUL) must be a refusal, not a failed query.
 */
public final class NodeNames {

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");

    private NodeNames() {}

    public static void check(String node) {
        if (node == null || node.isBlank()) {
            throw CommandRejectedException.invalid("name", "node name must not be empty");
        }
        if (node.length() > 253 || !NAME.matcher(node).matches()) {
            throw CommandRejectedException.invalid(
                    "name",
                    "node name '" + node
                            + "' must be lower-case alphanumerics, '-' or '.', start and end alphanumeric, at most 253 characters");
        }
    }
}
