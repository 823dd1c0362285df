package dev.tendril.policy.app;

import dev.tendril.policy.lb.LbEvent;
import java.util.List;
import java.util.function.Function;

/**
 * Port: the load-balancing events (Services, EndpointSlices, backend ids), their read model and the
 * load-balancing revision. As {@link PolicyRepository}: every write holds the revision lock until it
 * commits, so a replica follows the others' writes by position.
 */
public interface LbRepository {

    record Logged(long position, LbEvent event) {}

    record Committed(long revision, long position) {}

    interface Locked {
        long revision();

        List<Logged> after(long position);

        Committed commit(List<LbEvent> events);
    }

    /** The load-balancing events committed after {@code position}, at most {@code limit}, in position order. */
    List<Logged> after(long position, int limit);

    /** The revision as stored (the last write's). */
    long revision();

    <T> T write(Function<Locked, T> work);
}
