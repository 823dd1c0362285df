package dev.tendril.agent.sim;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A churn plan's open-loop schedule, the same for both drivers: pod {@code k} at {@code k / podRate} seconds, policy
 * change {@code j} (from 1) every {@code policyInterval}, restart {@code r} at {@code restartTimes[r]}, for the plan's
 * duration, each due at its time after {@code startNanos} however late the one before ran.
 */
final class ChurnSchedule {

    /** What ran: pods started and policy changes made. */
    record Counts(int pods, int policyChanges) {}

    private ChurnSchedule() {}

    static Counts run(
            ChurnDriver.Plan plan,
            long startNanos,
            List<Duration> restartTimes,
            IntConsumer pod,
            IntConsumer policyChange,
            IntConsumer restart) {
        long end = plan.duration().toNanos();
        long podStep = (long) (1e9 / plan.podRate());
        long policyStep = plan.policyInterval().toNanos();
        int k = 0;
        int j = 1;
        int r = 0;
        while (true) {
            long nextPod = k * podStep;
            long nextPolicy = j * policyStep;
            long nextRestart = r < restartTimes.size() ? restartTimes.get(r).toNanos() : Long.MAX_VALUE;
            long next = Math.min(nextPod, Math.min(nextPolicy, nextRestart));
            if (next >= end) {
                return new Counts(k, j - 1);
            }
            long wait = startNanos + next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            if (next == nextPod) {
                pod.accept(k++);
            } else if (next == nextPolicy) {
                policyChange.accept(j++);
            } else {
                restart.accept(r++);
            }
        }
    }
}
