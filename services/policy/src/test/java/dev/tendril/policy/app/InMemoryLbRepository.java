package dev.tendril.policy.app;

import dev.tendril.policy.lb.LbEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** The load-balancing events in memory: a write that throws leaves nothing behind, as a rolled-back transaction. */
final class InMemoryLbRepository implements LbRepository {

    private final List<Logged<LbEvent>> log = new ArrayList<>();
    private long revision;

    @Override
    public synchronized List<Logged<LbEvent>> after(long position, int limit) {
        // Positions are 1, 2, 3...: the events after a position are a tail of the list.
        int from = (int) Math.min(Math.max(position, 0), log.size());
        return List.copyOf(log.subList(from, (int) Math.min(log.size(), (long) from + limit)));
    }

    @Override
    public synchronized long revision() {
        return revision;
    }

    @Override
    public synchronized <T> T write(Function<Locked<LbEvent>, T> work) {
        int size = log.size();
        long before = revision;
        try {
            return work.apply(new Locked<>() {
                @Override
                public long revision() {
                    return before;
                }

                @Override
                public List<Logged<LbEvent>> after(long position) {
                    return InMemoryLbRepository.this.after(position, Integer.MAX_VALUE);
                }

                @Override
                public Committed commit(List<LbEvent> events) {
                    revision = before + 1;
                    for (LbEvent e : events) {
                        if (e.revision() != revision) {
                            throw new IllegalArgumentException(e + " does not carry revision " + revision);
                        }
                        log.add(new Logged<>(log.size() + 1L, e));
                    }
                    return new Committed(revision, log.size());
                }
            });
        } catch (RuntimeException | Error e) {
            log.subList(size, log.size()).clear();
            revision = before;
            throw e;
        }
    }
}
