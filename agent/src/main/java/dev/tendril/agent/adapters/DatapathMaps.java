package dev.tendril.agent.adapters;

import dev.tendril.agent.AgentConfig;
import dev.tendril.agent.bpf.KernelBpfMap;
import dev.tendril.datapath.ipcache.Ipcache;
import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.LpmTrieInMemory;
import dev.tendril.datapath.maps.MapSpec;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/**
 * The node's maps on the configured backend ({@code tendril.agent.datapath}), opened at start-up so
 * that a map of the wrong shape pinned from an older version stops the agent at once.
 */
@Startup
@ApplicationScoped
public class DatapathMaps {

    public static final String IPCACHE = "cilium_ipcache_v2";

    private static final Logger LOG = Logger.getLogger(DatapathMaps.class);

    @Inject
    AgentConfig config;

    private BpfMap ipcache;

    @PostConstruct
    void open() {
        MapSpec spec = Ipcache.spec(IPCACHE, Ipcache.DEFAULT_MAX_ENTRIES);
        ipcache = switch (config.datapath()) {
            case MEMORY -> new LpmTrieInMemory(spec);
            case BPF -> {
                // Pinned, so that after a restart the kernel keeps enforcing the last maps until the
                // first reconcile corrects them (no empty window).
                Path pin = config.bpffsDir().resolve(config.nodeName()).resolve(IPCACHE);
                LOG.infof("ipcache: bpf map pinned at %s", pin);
                yield KernelBpfMap.createOrOpenPinned(pin, spec);
            }
        };
    }

    public BpfMap ipcache() {
        return ipcache;
    }

    @PreDestroy
    void close() {
        // The pin keeps a bpf map alive; only our file descriptor goes.
        if (ipcache instanceof KernelBpfMap k) {
            k.close();
        }
    }
}
