package dev.tendril.policy.lb;

/** What a request asks of the load-balancing state; decided by {@link LbDecider}. */
public sealed interface LbCommand {

    record ApplyService(ServiceSpec service) implements LbCommand {}

    record DeleteService(String namespace, String name) implements LbCommand {}

    record ApplySlice(SliceSpec slice) implements LbCommand {}

    record DeleteSlice(String namespace, String name) implements LbCommand {}
}
