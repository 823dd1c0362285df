package dev.tendril.agent.adapters;

import dev.tendril.agent.AgentConfig;
import dev.tendril.agent.probe.NodeView;
import dev.tendril.agent.probe.Prober;
import dev.tendril.agent.state.LocalEndpoint;
import dev.tendril.agent.state.NodeImage;
import dev.tendril.datapath.Datapath;
import dev.tendril.datapath.ipcache.Ipcache;
import dev.tendril.datapath.policymap.PolicyMap;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/** Wires the {@link Prober} to this node's image and maps, the peer agents and the flows topic. */
@ApplicationScoped
public class ProbeService {

    @Inject
    AgentConfig config;

    @Inject
    DatapathMaps maps;

    @Inject
    NodeStateConsumer state;

    @Inject
    HttpPeerClient peers;

    @Inject
    FlowPublisher flows;

    private Prober prober;

    @PostConstruct
    void init() {
        prober = new Prober(new MapsView(), peers, flows, Clock.systemUTC());
    }

    public Prober prober() {
        return prober;
    }

    /** The node's maps as the datapath reads them; the image as the state consumer last applied it. */
    private final class MapsView implements NodeView {

        @Override
        public String nodeName() {
            return config.nodeName();
        }

        @Override
        public NodeImage image() {
            return state.status().image();
        }

        @Override
        public List<LocalEndpoint> localEndpoints() {
            return maps.localEndpoints();
        }

        @Override
        public long resolveIdentity(InetAddress address) {
            return new Datapath(new Ipcache(maps.ipcache())).resolveIdentity(address);
        }

        @Override
        public Optional<PolicyMap> policyMap(LocalEndpoint endpoint) {
            return maps.backend().open(endpoint.policyMapName()).map(PolicyMap::new);
        }
    }
}
