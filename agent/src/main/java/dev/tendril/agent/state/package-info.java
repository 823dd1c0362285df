/**
 * The node's view of the published control-plane state ({@link dev.tendril.agent.state.NodeImage} and
 * {@link dev.tendril.agent.state.NodeDelta}), what the maps should hold, and reconciling a map to it;
 * no framework code.
 */
package dev.tendril.agent.state;
