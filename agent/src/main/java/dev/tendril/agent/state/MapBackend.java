package dev.tendril.agent.state;

import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.MapSpec;
import java.util.Optional;
import java.util.Set;

/**
 * Where a node's maps live, by name: in memory ({@link InMemoryMapBackend}) or as bpf(2) maps pinned
 * in the node's bpffs directory (the agent's {@code KernelMapBackend}). Both hold byte-identical
 * content; the map-writer contract test runs against both.
 */
public interface MapBackend extends AutoCloseable {

    /**
     * The map named {@code spec.name()}: the existing one with its content (after an agent restart,
     * the pinned map) or a new empty one.
     *
     * @throws IllegalStateException when a map of another shape exists under that name
     */
    BpfMap openOrCreate(MapSpec spec);

    /** The existing map of that name, if any. */
    Optional<BpfMap> open(String name);

    /** Removes the map (unpins it); false when there was none. */
    boolean delete(String name);

    /** Names of the maps that exist. */
    Set<String> names();

    /** For logs and health: {@code memory} or {@code bpf:<directory>}. */
    String describe();

    /** Releases handles; maps that outlive the process (pins) stay. */
    @Override
    void close();
}
