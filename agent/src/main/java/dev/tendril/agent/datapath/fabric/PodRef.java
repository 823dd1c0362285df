package dev.tendril.agent.datapath.fabric;

/** A pod of the fabric: Kubernetes namespace and name, on a node. */
public record PodRef(String node, String namespace, String name) {

    public PodRef {
        Names.requireName("node", node);
        Names.requireName("namespace", namespace);
        Names.requireName("pod", name);
    }

    @Override
    public String toString() {
        return node + ":" + namespace + "/" + name;
    }
}
