package dev.tendril.deploy;

import java.util.Locale;

/**
 * Where the agents' pods' packets go, {@code tendril.agent.pod-network}: {@code model} (nothing wired, verdicts from
 * the model over the maps), {@code kernel} (a network namespace, veth and the tc programs per pod; root), {@code auto}
 * (kernel where it can run, else model).
 */
enum Datapath {
    KERNEL,
    MODEL,
    AUTO;

    /** The agent's value of {@code tendril.agent.pod-network}. */
    String property() {
        return name().toLowerCase(Locale.ROOT);
    }
}
