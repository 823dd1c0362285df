package dev.tendril.agent.state;

import dev.tendril.api.v1.SubjectPolicyMap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which policy maps an agent that fetches them (instead of reading tendril.policy whole) asks the policy service
 * for, and when. Single-threaded: the state consumer's thread owns it.
 *
 * <p>It knows the latest revision of every subject from tendril.policy.revisions ({@link #revisions}) and is told
 * the subjects the node needs (its local endpoints' identities) with every image. A needed subject is due when the
 * image holds no map of it, or one older than the wanted revision; one call at a time asks for every subject due
 * (at most {@link #MAX_BATCH}). An answer behind the wanted revision (the replica has not read that far) is applied
 * and the subject asked for again after a short backoff; a failed call is retried, with a backoff that grows to a
 * few seconds, for every subject it asked. A subject the node no longer needs is forgotten: its map leaves the image
 * ({@link #forgotten}), so a later endpoint of it fetches it again. Times are {@link System#nanoTime()} values.
 */
public final class PolicyDemand {

    /** Subjects asked for in one call, at most (the policy service's limit). */
    public static final int MAX_BATCH = 4096;

    private static final long BEHIND_MIN = Duration.ofMillis(100).toNanos();
    private static final long BEHIND_MAX = Duration.ofSeconds(2).toNanos();
    private static final long FAILED_MIN = Duration.ofMillis(200).toNanos();
    private static final long FAILED_MAX = Duration.ofSeconds(5).toNanos();

    /** A needed subject's fetches: when it may be asked again, how often it came back behind. */
    private static final class Track {
        long notBefore;
        int behind;
        // Asked without a known revision and answered "absent": not asked again until a revision comes.
        boolean settledAbsent;
    }

    private final Map<Long, Long> wanted = new HashMap<>();
    // Subjects whose last revision record was a tombstone: they have no map, none is asked for or kept.
    private final Set<Long> withdrawn = new HashSet<>();
    private final Map<Long, Track> tracks = new HashMap<>();
    private Set<Long> asked = Set.of();
    private boolean inFlight;
    private int failures;
    private long retryAt;

    /** Revisions read from tendril.policy.revisions, subject to revision (null: the tombstone). */
    public void revisions(Map<Long, Long> changes) {
        changes.forEach((subject, revision) -> {
            if (revision == null) {
                wanted.remove(subject);
                withdrawn.add(subject);
            } else {
                wanted.put(subject, revision);
                withdrawn.remove(subject);
            }
            Track t = tracks.get(subject);
            if (t != null) {
                t.settledAbsent = false;
            }
        });
    }

    /** The revision tendril.policy.revisions shows of {@code subject}, or -1 when none (or a tombstone). */
    public long wanted(long subject) {
        return wanted.getOrDefault(subject, -1L);
    }

    /**
     * The subjects to ask for now, marked in flight until {@link #answered} or {@link #failed}: none while a call is
     * in flight or while a failed one backs off. Subjects not in {@code needed} are forgotten first.
     */
    public List<Long> due(NodeImage image, Set<Long> needed, long now) {
        tracks.keySet().retainAll(needed);
        if (inFlight || (failures > 0 && now - retryAt < 0)) {
            return List.of();
        }
        List<Long> out = new ArrayList<>();
        for (long subject : needed) {
            Track t = tracks.computeIfAbsent(subject, s -> new Track());
            if (out.size() < MAX_BATCH && now - t.notBefore >= 0 && needsFetch(subject, image, t)) {
                out.add(subject);
            }
        }
        if (!out.isEmpty()) {
            asked = new LinkedHashSet<>(out);
            inFlight = true;
        }
        return out;
    }

    private boolean needsFetch(long subject, NodeImage image, Track t) {
        if (withdrawn.contains(subject)) {
            return false;
        }
        SubjectPolicyMap held = image.policies().get(subject);
        Long want = wanted.get(subject);
        if (held != null) {
            return want != null && Long.compareUnsigned(held.getRevision(), want) < 0;
        }
        return want != null || !t.settledAbsent;
    }

    /** Maps the image holds that no needed subject is: to be removed from it. */
    public Set<Long> forgotten(NodeImage image, Set<Long> needed) {
        Set<Long> out = new HashSet<>();
        for (Long subject : image.policies().keySet()) {
            if (!needed.contains(subject)) {
                out.add(subject);
            }
        }
        return out;
    }

    /** Whether a call is in flight. */
    public boolean inFlight() {
        return inFlight;
    }

    /**
     * The answer to the call in flight: the maps to replay (of subjects still needed and not withdrawn meanwhile).
     * A subject answered behind its wanted revision, or absent while it has one, is asked again after a backoff.
     *
     * @param maps the maps answered; those of subjects not asked are ignored
     */
    public List<SubjectPolicyMap> answered(List<SubjectPolicyMap> maps, long now) {
        Map<Long, SubjectPolicyMap> bySubject = new HashMap<>();
        for (SubjectPolicyMap m : maps) {
            bySubject.put(Integer.toUnsignedLong(m.getSubject()), m);
        }
        List<SubjectPolicyMap> out = new ArrayList<>();
        for (long subject : asked) {
            Track t = tracks.get(subject);
            if (t == null || withdrawn.contains(subject)) {
                continue;
            }
            SubjectPolicyMap map = bySubject.get(subject);
            Long want = wanted.get(subject);
            if (map != null) {
                out.add(map);
            }
            boolean behind = want != null && (map == null || Long.compareUnsigned(map.getRevision(), want) < 0);
            if (behind) {
                t.behind++;
                t.notBefore = now + backoff(t.behind, BEHIND_MIN, BEHIND_MAX);
            } else {
                t.behind = 0;
                t.notBefore = now;
                t.settledAbsent = map == null;
            }
        }
        asked = Set.of();
        inFlight = false;
        failures = 0;
        return out;
    }

    /** The call in flight failed: every subject stays due, asked again after a backoff (200 ms doubling to 5 s). */
    public void failed(long now) {
        asked = Set.of();
        inFlight = false;
        failures++;
        retryAt = now + backoff(failures, FAILED_MIN, FAILED_MAX);
    }

    /** Failed calls in a row (0 after an answer). */
    public int failures() {
        return failures;
    }

    private static long backoff(int attempt, long min, long max) {
        long b = min << Math.min(attempt - 1, 20);
        return Math.min(b, max);
    }
}
