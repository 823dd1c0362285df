package dev.tendril.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.RandomGenerator;
import net.jqwik.api.Shrinkable;
import net.jqwik.api.sessions.JqwikSession;

/**
 * jqwik's generators and shrinking without jqwik's engine, which cannot run inside a
 * {@code @QuarkusTest}: a fixed number of cases from a seeded generator, each checked, and every
 * failing case shrunk greedily (jqwik's own shrink candidates, the first that still fails, until none
 * does) to the smallest reproducer.
 */
public final class FuzzRunner {

    /** Tries per fuzz run unless {@code -Dtendril.fuzz.tries} (or the {@code fuzz-long} profile) says otherwise. */
    public static final int DEFAULT_TRIES = 150;
    /** Distinct failures reported before a run stops: enough to see a pattern, not a flood of one bug. */
    private static final int MAX_FAILURES = 5;
    /** Shrink steps per failure: each step re-sends a request. */
    private static final int MAX_SHRINK_STEPS = 200;

    private static final int GEN_SIZE = 1000;

    /** The outcome of one case: passed, a server error (5xx, INTERNAL, UNKNOWN) or another broken rule. */
    public sealed interface Verdict {
        /** Passed with {@code outcome} (a status, and the field a refusal named), counted in the report. */
        static Verdict pass(String outcome) {
            return new Pass(outcome);
        }

        record Pass(String outcome) implements Verdict {}

        record ServerError(String reason) implements Verdict {}

        record Violation(String reason) implements Verdict {}
    }

    /** A finished run: cases generated, by what they exercised, and the shrunk failures. */
    public record Report(
            String label,
            long seed,
            int cases,
            Map<String, Integer> perTarget,
            Map<String, Integer> outcomes,
            int serverErrors,
            int violations,
            List<String> failures) {

        public String summary() {
            return "[fuzz] " + label + ": " + cases + " cases over " + perTarget.size() + " targets, " + serverErrors
                    + " server errors (5xx/INTERNAL/UNKNOWN), " + violations + " contract violations (seed " + seed
                    + ", tries " + cases + ")";
        }
    }

    private FuzzRunner() {}

    public static int tries() {
        return Integer.getInteger("tendril.fuzz.tries", DEFAULT_TRIES);
    }

    public static long seed() {
        return Long.getLong("tendril.fuzz.seed", 20261204L);
    }

    /**
     * Generates {@code tries} cases of {@code cases} from {@code seed}, checks each, and shrinks each failure.
     * {@code target} names what a case exercises (an operation, a method) for the per-target counts.
     */
    public static <T> Report run(
            String label,
            Arbitrary<T> cases,
            int tries,
            long seed,
            Function<T, String> target,
            Function<T, Verdict> check) {
        // Generators memoize in a jqwik lifecycle store; a session provides one on this thread.
        boolean own = !JqwikSession.isActive();
        if (own) {
            JqwikSession.start();
        }
        try {
            return runInSession(label, cases, tries, seed, target, check);
        } finally {
            if (own) {
                JqwikSession.finish();
            }
        }
    }

    private static <T> Report runInSession(
            String label,
            Arbitrary<T> cases,
            int tries,
            long seed,
            Function<T, String> target,
            Function<T, Verdict> check) {
        RandomGenerator<T> generator = cases.generatorWithEmbeddedEdgeCases(GEN_SIZE);
        Random random = new Random(seed);
        Map<String, Integer> perTarget = new TreeMap<>();
        Map<String, Integer> outcomes = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        int serverErrors = 0;
        int violations = 0;
        int generated = 0;
        for (int i = 0; i < tries && failures.size() < MAX_FAILURES; i++) {
            Shrinkable<T> next = generator.next(random);
            generated++;
            perTarget.merge(target.apply(next.value()), 1, Integer::sum);
            Verdict verdict = check.apply(next.value());
            if (verdict instanceof Verdict.Pass pass) {
                outcomes.merge(pass.outcome(), 1, Integer::sum);
                continue;
            }
            if (verdict instanceof Verdict.ServerError) {
                serverErrors++;
            } else {
                violations++;
            }
            Shrunk<T> smallest = shrink(next, verdict, check);
            String failure = reason(smallest.verdict()) + "\n    smallest case (" + smallest.steps()
                    + " shrink steps): " + smallest.value() + "\n    first case: " + next.value();
            failures.add(failure);
        }
        Report report = new Report(label, seed, generated, perTarget, outcomes, serverErrors, violations, failures);
        System.out.println(report.summary());
        perTarget.forEach((name, count) -> System.out.println("[fuzz]   " + count + "  " + name));
        System.out.println("[fuzz]   outcomes: " + outcomes);
        failures.forEach(f -> System.out.println("[fuzz] FAILED " + f));
        return report;
    }

    private record Shrunk<T>(T value, Verdict verdict, int steps) {}

    private static <T> Shrunk<T> shrink(Shrinkable<T> failing, Verdict verdict, Function<T, Verdict> check) {
        Shrinkable<T> current = failing;
        Verdict currentVerdict = verdict;
        int steps = 0;
        boolean smaller = true;
        while (smaller && steps < MAX_SHRINK_STEPS) {
            smaller = false;
            for (Shrinkable<T> candidate :
                    (Iterable<Shrinkable<T>>) current.shrink().limit(40)::iterator) {
                Verdict candidateVerdict = check.apply(candidate.value());
                steps++;
                if (candidateVerdict.getClass() == verdict.getClass()) {
                    current = candidate;
                    currentVerdict = candidateVerdict;
                    smaller = true;
                    break;
                }
                if (steps >= MAX_SHRINK_STEPS) {
                    break;
                }
            }
        }
        return new Shrunk<>(current.value(), currentVerdict, steps);
    }

    private static String reason(Verdict verdict) {
        return switch (verdict) {
            case Verdict.ServerError e -> "server error: " + e.reason();
            case Verdict.Violation v -> "violation: " + v.reason();
            case Verdict.Pass p -> "passed: " + p.outcome();
        };
    }
}
