package dev.tendril.policy.app;

import dev.tendril.net.IpAddress;
import dev.tendril.policy.domain.EndpointInfo;
import dev.tendril.policy.lb.LbCommand;
import dev.tendril.policy.lb.LbCommand.ApplyService;
import dev.tendril.policy.lb.LbDecider;
import dev.tendril.policy.lb.LbSettings;
import dev.tendril.policy.lb.MeshServices;
import dev.tendril.policy.lb.ServicePort;
import dev.tendril.policy.lb.ServiceSpec;
import dev.tendril.policy.lb.TargetPort;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A load driver, not a test (docs/BENCHMARKS.md, "Services write path"): the cost of one Service write in
 * the policy service's {@link LbRuntime} (decide, allocate, evolve the state and the index, resolve, decide
 * the backend ids) with N Services already applied, on the in-memory event log, so that neither PostgreSQL
 * nor Kafka is measured. Services of one TCP port and 5 pods each, 100 to a namespace, every tenth a
 * NodePort. For each size: the N Services applied in writes of 100 (timed), then {@code samples} more
 * applied one by one, each timed (p50 / p99 / mean).
 *
 * <pre>
 * ./mvnw -B -o -q -pl services/policy test-compile -Pbench-lb-apply [-Dservices=1000,10000 -Dsamples=300]
 * </pre>
 */
public final class LbApplyBenchmark {

    private static final int PODS = 5;
    private static final int PER_NAMESPACE = 100;

    private LbApplyBenchmark() {}

    public static void main(String[] args) {
        int[] sizes = Arrays.stream(System.getProperty("services", "1000,10000").split(","))
                .mapToInt(s -> Integer.parseInt(s.trim()))
                .toArray();
        int samples = Integer.getInteger("samples", 300);
        System.out.printf("services | apply them in writes of 100 | one more: p50 / p99 / mean (over %d)%n", samples);
        for (int size : sizes) {
            run(size, samples);
        }
    }

    private static void run(int size, int samples) {
        RuntimeState shared = LbRuntimeDoubles.runtimeState();
        EndpointIndex endpoints = new EndpointIndex();
        LbRuntime runtime = new LbRuntime(
                shared,
                new InMemoryLbRepository(),
                new LbDecider(LbSettings.defaults()),
                new LbRuntimeDoubles.NoLeadership(),
                endpoints::inNamespace,
                new MeshServices());
        for (int i = 0; i < size + samples; i++) {
            for (int p = 0; p < PODS; p++) {
                endpoints.upsert(pod(i, p));
            }
        }
        runtime.start();
        long setup = System.nanoTime();
        List<LbCommand> batch = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            batch.add(new ApplyService(service(i)));
            if (batch.size() == 100 || i == size - 1) {
                runtime.apply(batch, false);
                batch = new ArrayList<>();
            }
        }
        double setupSeconds = (System.nanoTime() - setup) / 1e9;
        shared.locked(() -> runtime.activate(null));
        long[] took = new long[samples];
        for (int s = 0; s < samples; s++) {
            List<LbCommand> one = List.of(new ApplyService(service(size + s)));
            long start = System.nanoTime();
            runtime.apply(one, false);
            took[s] = System.nanoTime() - start;
        }
        runtime.stop();
        Arrays.sort(took);
        double mean = Arrays.stream(took).average().orElse(0) / 1e6;
        System.out.printf(
                "%,d | %.1f s | %.3f / %.3f / %.3f ms%n",
                size,
                setupSeconds,
                took[samples / 2] / 1e6,
                took[Math.min(samples - 1, (int) Math.ceil(samples * 0.99) - 1)] / 1e6,
                mean);
    }

    private static ServiceSpec service(int i) {
        String type = i % 10 == 0 ? ServiceSpec.NODE_PORT : ServiceSpec.CLUSTER_IP;
        return new ServiceSpec(
                namespace(i),
                "svc-" + i,
                type,
                List.of(),
                List.of(new ServicePort("http", "TCP", 80, TargetPort.of(8080), 0)),
                Map.of("app", "svc-" + i),
                "None",
                0,
                "Cluster",
                "Cluster",
                List.of(),
                "");
    }

    private static EndpointInfo pod(int service, int p) {
        int n = service * PODS + p;
        return new EndpointInfo(
                namespace(service),
                "svc-" + service + "-" + p,
                1000 + n,
                Map.of("app", "svc-" + service),
                List.of(),
                Set.of(IpAddress.parse("10.%d.%d.%d".formatted(1 + (n >> 16), (n >> 8) & 0xff, n & 0xff))),
                "node-" + (n % 3));
    }

    private static String namespace(int service) {
        return "ns-" + service / PER_NAMESPACE;
    }
}
