package dev.tendril.policy.app;

import dev.tendril.policy.lb.LbEvent;

/** Port: the load-balancing events (Services, EndpointSlices, backend ids), their read model and revision. */
public interface LbRepository extends RevisionLog<LbEvent> {}
