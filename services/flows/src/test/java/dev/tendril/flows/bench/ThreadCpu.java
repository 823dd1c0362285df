package dev.tendril.flows.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * CPU time of the JVM's Java threads between two points, grouped by thread name without its number
 * ({@code executor-thread-1} and {@code executor-thread-2} are {@code executor-thread}), and what the process used
 * beyond them (GC, JIT, native threads): where a benchmark window's CPU went, which a process total does not say.
 */
final class ThreadCpu {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Map<Long, Long> cpuAtStart = new HashMap<>();
    private final long processAtStart;

    private ThreadCpu() {
        for (long id : THREADS.getAllThreadIds()) {
            cpuAtStart.put(id, THREADS.getThreadCpuTime(id));
        }
        processAtStart = PlainConsumerIngest.cpuNanos();
    }

    static ThreadCpu start() {
        return new ThreadCpu();
    }

    /** Seconds of CPU per thread group since {@link #start()}, largest first, groups under 1% of the total summed. */
    String report() {
        long process = PlainConsumerIngest.cpuNanos() - processAtStart;
        Map<String, Long> byGroup = new HashMap<>();
        for (var info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long now = THREADS.getThreadCpuTime(info.getThreadId());
            long used = now - cpuAtStart.getOrDefault(info.getThreadId(), 0L);
            if (now >= 0 && used > 0) {
                byGroup.merge(group(info.getThreadName()), used, Long::sum);
            }
        }
        long threads = byGroup.values().stream().mapToLong(Long::longValue).sum();
        long small = byGroup.values().stream()
                .filter(v -> v < process / 100)
                .mapToLong(Long::longValue)
                .sum();
        String groups = byGroup.entrySet().stream()
                .filter(e -> e.getValue() >= process / 100)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .map(e -> String.format("%s %.2f", e.getKey(), e.getValue() / 1e9))
                .collect(Collectors.joining(", "));
        return String.format(
                "%s, other threads %.2f, outside Java threads (GC, JIT) %.2f s",
                groups, small / 1e9, (process - threads) / 1e9);
    }

    private static String group(String name) {
        String trimmed = name.replaceAll("[-#]?\\d+$", "");
        boolean client = trimmed.startsWith("kafka-producer") || trimmed.startsWith("kafka-admin");
        if (!client
                && (trimmed.startsWith("data-plane-kafka")
                        || trimmed.startsWith("kafka-")
                        || trimmed.startsWith("broker-"))) {
            return "broker";
        }
        return trimmed;
    }
}
