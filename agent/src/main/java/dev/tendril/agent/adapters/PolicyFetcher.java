package dev.tendril.agent.adapters;

import dev.tendril.agent.state.LocalEndpointTable;
import dev.tendril.agent.state.NodeDelta;
import dev.tendril.agent.state.NodeImage;
import dev.tendril.agent.state.PolicyDemand;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.GetPolicyMapsResponse;
import dev.tendril.api.v1.SubjectPolicyMap;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * The state consumer's policy maps in fetch mode ({@code tendril.agent.sync.policy-source=fetch}): the maps of the
 * local endpoints' identities asked for from the policy service ({@link PolicyDemand} decides which and when), on a
 * thread of its own; the answers wait in a queue until the consumer's thread replays them into its next delta
 * ({@link #drainInto}), so the image keeps one writer. While calls fail the maps keep their content (fail-static) and
 * {@link #problem()} says why.
 */
public final class PolicyFetcher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(PolicyFetcher.class);

    /** The policy service's {@code GetPolicyMaps}; throws when the call fails. */
    public interface Source {
        GetPolicyMapsResponse getPolicyMaps(List<Long> subjects);
    }

    /** One call's outcome: the maps answered, or the failure. */
    private record Answer(List<SubjectPolicyMap> maps, RuntimeException failure) {}

    private final String node;
    private final LocalEndpointTable table;
    private final Source source;
    private final Runnable answered;
    private final PolicyDemand demand = new PolicyDemand();
    private final ExecutorService calls;
    private final Queue<Answer> answers = new ConcurrentLinkedQueue<>();
    private final AtomicLong fetches = new AtomicLong();
    private final AtomicLong fetchedMaps = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile Optional<String> problem = Optional.empty();
    // Calls answered or failed, as the consumer's thread has taken them.
    private long outcomes;

    /** {@code answered} is told (on the fetching thread) when an answer or failure waits to be drained. */
    PolicyFetcher(String node, LocalEndpointTable table, Source source, MeterRegistry registry, Runnable answered) {
        this.node = node;
        this.table = table;
        this.source = Objects.requireNonNull(source, "policy-source=fetch needs the policy service's client");
        this.answered = answered;
        this.calls = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name("tendril-agent-policy-fetch").daemon().factory());
        if (registry != null) {
            FunctionCounter.builder("tendril.agent.policy.fetches", fetches, AtomicLong::get)
                    .description("GetPolicyMaps calls to the policy service")
                    .register(registry);
            FunctionCounter.builder("tendril.agent.policy.fetched.maps", fetchedMaps, AtomicLong::get)
                    .description("Policy maps the policy service answered")
                    .register(registry);
            FunctionCounter.builder("tendril.agent.policy.fetch.failures", failures, AtomicLong::get)
                    .description("GetPolicyMaps calls that failed (the maps kept their content)")
                    .register(registry);
        }
    }

    /** The subjects this node needs: the identities of its endpoints in {@code image} and of those of its API. */
    Set<Long> needed(NodeImage image) {
        Set<Long> out = new HashSet<>(table.registeredIdentities());
        for (Endpoint e : image.endpointsOn(node).values()) {
            out.add(Integer.toUnsignedLong(e.getIdentity()));
        }
        out.remove(0L);
        return out;
    }

    /** Revisions the consumer replayed (its delta's), before it asks for what is due. */
    void revisions(NodeDelta delta) {
        if (!delta.revisionChanges().isEmpty()) {
            demand.revisions(delta.revisionChanges());
        }
    }

    /**
     * The answers that came since the last call, replayed into {@code delta} (consumer's thread); with
     * {@code forget}, the maps of subjects no longer needed are also removed from it.
     *
     * @return whether an answer or a failure was taken
     */
    boolean drainInto(NodeDelta delta, boolean forget) {
        boolean took = false;
        long now = System.nanoTime();
        for (Answer a; (a = answers.poll()) != null; ) {
            took = true;
            outcomes++;
            if (a.failure() != null) {
                demand.failed(now);
                continue;
            }
            for (SubjectPolicyMap m : demand.answered(a.maps(), now)) {
                delta.replayFetched(m);
            }
        }
        if (forget) {
            demand.forgotten(delta.base(), needed(delta.base())).forEach(delta::forgetPolicy);
        }
        return took;
    }

    /** Asks for the subjects due in {@code image}, if any and no call is in flight (consumer's thread). */
    void request(NodeImage image) {
        List<Long> due = demand.due(image, needed(image), System.nanoTime());
        if (due.isEmpty()) {
            return;
        }
        calls.execute(() -> call(due));
    }

    private void call(List<Long> subjects) {
        fetches.incrementAndGet();
        try {
            GetPolicyMapsResponse r = source.getPolicyMaps(subjects);
            fetchedMaps.addAndGet(r.getMapsCount());
            if (problem.isPresent()) {
                LOG.infof("policy service answers again: %d maps fetched", r.getMapsCount());
            }
            problem = Optional.empty();
            answers.add(new Answer(r.getMapsList(), null));
            answered.run();
        } catch (RuntimeException e) {
            failures.incrementAndGet();
            String message = "policy maps not fetched (" + subjects.size() + " subjects), retrying: " + e.getMessage();
            if (problem.isEmpty()) {
                LOG.warn(message);
            }
            problem = Optional.of(message);
            answers.add(new Answer(List.of(), e));
            answered.run();
        }
    }

    /** Whether a call is in flight (consumer's thread). */
    boolean inFlight() {
        return demand.inFlight();
    }

    /** Calls answered or failed that the consumer took, since start. */
    long outcomes() {
        return outcomes;
    }

    /** Why the last call failed, while calls fail; the maps keep their last content meanwhile. */
    public Optional<String> problem() {
        return problem;
    }

    /** GetPolicyMaps calls made, maps they answered, calls that failed. */
    public record Counts(long fetches, long maps, long failures) {}

    public Counts counts() {
        return new Counts(fetches.get(), fetchedMaps.get(), failures.get());
    }

    @Override
    public void close() {
        calls.shutdownNow();
    }
}
