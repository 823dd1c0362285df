package dev.tendril.agent.probe;

import dev.tendril.api.hubble.flow.Flow;

/** Where this node's flow records go ({@code tendril.flows}); must not block for long. */
@FunctionalInterface
public interface FlowSink {

    void emit(Flow flow);
}
