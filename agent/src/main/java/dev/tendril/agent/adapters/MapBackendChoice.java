package dev.tendril.agent.adapters;

import dev.tendril.agent.AgentConfig;
import dev.tendril.agent.bpf.KernelBpfMap;
import dev.tendril.agent.bpf.KernelMapBackend;
import dev.tendril.agent.bpf.PinOwner;
import dev.tendril.agent.state.InMemoryMapBackend;
import dev.tendril.agent.state.MapBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The node maps backend {@code tendril.agent.datapath} selects, and why, as the log and the pod network's
 * refusal say it: {@code bpf} pinned under {@code <bpffs-dir>/<node>}, {@code memory}, or {@code auto} (bpf
 * when bpf(2) is permitted and the directory is on a bpffs mount).
 */
record MapBackendChoice(MapBackend backend, String reason) {

    private static final Logger LOG = Logger.getLogger(MapBackendChoice.class);

    static MapBackendChoice choose(AgentConfig config) {
        AgentConfig.Datapath kind;
        String reason;
        if (config.datapath() != AgentConfig.Datapath.AUTO) {
            kind = config.datapath();
            reason = "tendril.agent.datapath=" + config.datapath().name().toLowerCase();
        } else {
            Optional<String> refused = KernelBpfMap.unavailableReason();
            Optional<String> mount = refused.isPresent() ? Optional.empty() : bpffsMount(config.bpffsDir());
            if (refused.isPresent()) {
                kind = AgentConfig.Datapath.MEMORY;
                reason = "auto: bpf(2) unavailable: " + refused.get();
            } else if (mount.isEmpty()) {
                kind = AgentConfig.Datapath.MEMORY;
                reason = "auto: " + config.bpffsDir() + " is not on a bpffs mount (mount -t bpf bpf /sys/fs/bpf)";
            } else {
                kind = AgentConfig.Datapath.BPF;
                reason = "auto: bpf(2) permitted, bpffs at " + mount.get();
            }
        }
        if (kind == AgentConfig.Datapath.BPF) {
            Path dir = config.bpffsDir().resolve(config.nodeName());
            // Only pins this agent's state directory marks are reused; another's (a stack killed on the same ports
            // and never taken down) described other pods and are removed before anything opens them.
            Path state = config.stateDir().resolve(config.nodeName());
            PinOwner.claim(dir, state)
                    .ifPresent(removed -> LOG.warnf(
                            "node maps: removed pins another agent left (not marked for %s): %s; starting from empty"
                                    + " maps",
                            state, removed));
            LOG.infof("node maps: bpf, pinned under %s (%s)", dir, reason);
            return new MapBackendChoice(new KernelMapBackend(dir), reason);
        }
        LOG.infof("node maps: memory (%s)", reason);
        return new MapBackendChoice(new InMemoryMapBackend(), reason);
    }

    /** The bpffs mount point that holds {@code dir}, from /proc/self/mounts. */
    static Optional<String> bpffsMount(Path dir) {
        try {
            Path abs = dir.toAbsolutePath().normalize();
            return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                    .map(l -> l.split(" "))
                    .filter(f -> f.length > 2 && f[2].equals("bpf") && abs.startsWith(Path.of(f[1])))
                    .map(f -> f[1])
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
