package dev.tendril.rest.access;

/**
 * An agent acting outside its own node: refused as 403 / PERMISSION_DENIED before anything changes. Raised by the
 * checks inside a request, where the node the request names is known.
 */
public class NodeScopeException extends RuntimeException {

    private final String field;

    public NodeScopeException(String field, String detail) {
        super(detail);
        this.field = field;
    }

    public String field() {
        return field;
    }

    /**
     * Refuses a node caller acting on {@code node} when it is not its own; anyone else passes (their role was
     * checked at the edge).
     */
    public static void requireOwnNode(Caller caller, String node, String field) {
        if (caller.role() != Role.NODE) {
            return;
        }
        String own = caller.node().orElse(null);
        if (own == null || !own.equals(node)) {
            throw new NodeScopeException(
                    field,
                    "CN=" + caller.name() + " may act only on its own node" + (own == null ? "" : " " + own)
                            + ", not on '" + node + "'");
        }
    }
}
