package dev.tendril.agent.endpoint;

import dev.tendril.agent.state.LocalEndpoint;

/** The node's local maps, written after the endpoint table changed. */
public interface LocalMaps {

    /**
     * Brings the local maps (policy maps, cilium_lxc) in line with the endpoint table, which now holds
     * {@code endpoint}: its policy map exists (filled when its identity's map is published) and its
     * addresses are in cilium_lxc.
     *
     * @throws IllegalStateException when the endpoint's maps could not be written
     */
    void install(LocalEndpoint endpoint);

    /** Same after {@code endpoint} left the table: its policy map and cilium_lxc entries are gone. */
    void uninstall(LocalEndpoint endpoint);
}
