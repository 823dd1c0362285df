package dev.tendril.policy.domain;

import dev.tendril.datapath.policymap.Direction;
import java.util.List;

/**
 * One normalised allow or deny rule of a policy, the common form Kubernetes and Cilium policies compile
 * through: "{@code direction}, {@code peers} on {@code ports}".
 *
 * @param peers {@link Peers.All} for every peer (identity 0 in the map), else the peers selected
 * @param ports empty for all protocols and ports
 */
public record Rule(Direction direction, boolean deny, Peers peers, List<PortRule> ports) {

    public Rule {
        if (direction == null || peers == null) {
            throw new IllegalArgumentException("direction and peers must not be null");
        }
        ports = List.copyOf(ports);
    }

    /** Which peers a rule applies to. */
    public sealed interface Peers {
        /** Every peer, including those outside the cluster: the wildcard identity 0. */
        record All() implements Peers {}

        /** The union of what the listed peers select; empty selects nothing. */
        record Selected(List<Peer> peers) implements Peers {
            public Selected {
                peers = List.copyOf(peers);
            }
        }
    }
}
