package dev.tendril.policy.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.net.IpAddress;
import dev.tendril.policy.domain.EndpointInfo;
import dev.tendril.policy.domain.NamedPort;
import dev.tendril.policy.domain.PolicyEngine;
import dev.tendril.policy.domain.Protocol;
import dev.tendril.policy.lb.BackendKey;
import dev.tendril.policy.lb.LbCommand;
import dev.tendril.policy.lb.LbCommand.ApplyService;
import dev.tendril.policy.lb.LbCommand.ApplySlice;
import dev.tendril.policy.lb.LbCommand.DeleteService;
import dev.tendril.policy.lb.LbCommand.DeleteSlice;
import dev.tendril.policy.lb.LbController;
import dev.tendril.policy.lb.LbController.Resolved;
import dev.tendril.policy.lb.LbDecider;
import dev.tendril.policy.lb.LbEvent.EndpointSliceApplied;
import dev.tendril.policy.lb.LbEvent.ServiceApplied;
import dev.tendril.policy.lb.LbRejected;
import dev.tendril.policy.lb.LbSettings;
import dev.tendril.policy.lb.LbState;
import dev.tendril.policy.lb.MeshServices;
import dev.tendril.policy.lb.ServiceLb;
import dev.tendril.policy.lb.ServicePort;
import dev.tendril.policy.lb.ServiceSpec;
import dev.tendril.policy.lb.SliceSpec;
import dev.tendril.policy.lb.TargetPort;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The incremental Service resolution (only the Services an endpoint's old or new labels select, only the
 * backends whose use changed) ends where resolving every Service over every endpoint and deciding the ids of
 * all backends ends, step by step, on random endpoint, Service and EndpointSlice churn.
 */
class LbRuntimeIncrementalTest {

    private static final List<String> NAMESPACES = List.of("a", "b");
    private static final List<String> APPS = List.of("web", "db", "cache");

    private final LbDecider decider = new LbDecider(LbSettings.defaults());
    private final RuntimeState shared =
            new RuntimeState(new PolicyEngine("default", 16384), new LbRuntimeDoubles.NoMetrics());
    private final EndpointIndex endpoints = new EndpointIndex();
    private final LbRuntime runtime = new LbRuntime(
            shared,
            new InMemoryLbRepository(),
            decider,
            new LbRuntimeDoubles.NoLeadership(),
            endpoints::inNamespace,
            new MeshServices());

    /** The reference: the ids as deciding over every backend after every step gives them. */
    private final LbState referenceIds = new LbState();

    private long referenceRevision;

    @Test
    void incrementalResolutionAndIdsEqualAFullRecomputeOnRandomChurn() {
        for (long seed = 1; seed <= 12; seed++) {
            Random random = new Random(seed);
            LbRuntimeIncrementalTest run = new LbRuntimeIncrementalTest();
            run.shared.locked(() -> run.runtime.activate(null));
            for (int step = 0; step < 300; step++) {
                run.randomStep(random);
                run.assertEqualsFullRecompute("seed " + seed + " step " + step);
            }
        }
    }

    @Test
    void anEndpointMovingIntoASelectorReResolvesOnlyWhatItsLabelsSelect() {
        shared.locked(() -> runtime.activate(null));
        apply(new ApplyService(service("a", "web", Map.of("app", "web"), false)));
        apply(new ApplyService(service("a", "db", Map.of("app", "db"), false)));
        upsert(endpoint("a", "p1", "web", 1));
        Map<String, ServiceLb> before = runtime.read(v -> Map.copyOf(v.maps()));

        upsert(endpoint("a", "p1", "db", 1));

        Map<String, ServiceLb> after = runtime.read(v -> Map.copyOf(v.maps()));
        assertThat(after.get("a/web").backends()).isEmpty();
        assertThat(after.get("a/db").backends())
                .singleElement()
                .satisfies(b -> assertThat(b.pod()).isEqualTo("a/p1"));
        // The backend keeps its id: the same address and port moved from one Service to the other.
        assertThat(after.get("a/db").backends().get(0).id())
                .isEqualTo(before.get("a/web").backends().get(0).id());
        assertEqualsFullRecompute("after the move");
    }

    private void randomStep(Random random) {
        String ns = NAMESPACES.get(random.nextInt(NAMESPACES.size()));
        switch (random.nextInt(10)) {
            case 0, 1, 2 -> upsert(endpoint(ns, "p" + random.nextInt(8), randomApp(random), random.nextInt(3)));
            case 3 -> remove(ns + "/p" + random.nextInt(8));
            case 4, 5 -> {
                Map<String, String> selector = new HashMap<>();
                if (random.nextInt(4) != 0) {
                    selector.put("app", randomApp(random));
                    if (random.nextBoolean()) {
                        selector.put("tier", Integer.toString(random.nextInt(2)));
                    }
                }
                apply(new ApplyService(service(ns, "s" + random.nextInt(6), selector, random.nextBoolean())));
            }
            case 6 -> apply(new DeleteService(ns, "s" + random.nextInt(6)));
            case 7, 8 -> apply(new ApplySlice(slice(ns, "sl" + random.nextInt(4), "s" + random.nextInt(6), random)));
            default -> apply(new DeleteSlice(ns, "sl" + random.nextInt(4)));
        }
    }

    private static String randomApp(Random random) {
        return APPS.get(random.nextInt(APPS.size()));
    }

    private void assertEqualsFullRecompute(String where) {
        LbState state = runtime.read(v -> v.state().copy());
        List<SliceSpec> slices = state.slices().values().stream()
                .map(EndpointSliceApplied::slice)
                .toList();
        List<EndpointInfo> all = List.copyOf(endpoints.view().values());
        Map<String, Resolved> resolved = new TreeMap<>();
        for (Map.Entry<String, ServiceApplied> s : state.services().entrySet()) {
            resolved.put(s.getKey(), LbController.resolve(s.getValue(), slices, all));
        }
        Set<BackendKey> inUse = new HashSet<>();
        resolved.values().forEach(r -> inUse.addAll(r.keys()));
        referenceRevision++;
        decider.backends(inUse, referenceIds, referenceRevision).forEach(referenceIds::evolve);
        Map<String, ServiceLb> maps = new TreeMap<>();
        resolved.forEach((key, r) -> maps.put(key, LbController.maps(r, referenceIds.backendIds())));

        Map<String, Resolved> incremental = runtime.read(v -> new TreeMap<>(v.resolved()));
        Map<String, ServiceLb> published = runtime.read(v -> new TreeMap<>(v.maps()));
        assertThat(incremental).as(where).isEqualTo(resolved);
        assertThat(state.backendIds()).as(where).isEqualTo(referenceIds.backendIds());
        assertThat(published).as(where).isEqualTo(maps);
    }

    private void apply(LbCommand command) {
        try {
            runtime.apply(List.of(command), false);
        } catch (LbRejected refused) {
            // A refused command changes nothing; the comparison still holds.
        }
    }

    private void upsert(EndpointInfo endpoint) {
        shared.locked(() -> {
            EndpointInfo previous = endpoints.view().get(endpoint.key());
            endpoints.upsert(endpoint);
            if (!endpoint.equals(previous)) {
                runtime.endpointChanged(previous, endpoint);
            }
        });
    }

    private void remove(String key) {
        shared.locked(() -> {
            EndpointInfo previous = endpoints.view().get(key);
            endpoints.remove(key);
            if (previous != null) {
                runtime.endpointChanged(previous, null);
            }
        });
    }

    /** A pod whose address is fixed by its name, so a relabelled pod keeps its backends' keys. */
    private static EndpointInfo endpoint(String ns, String pod, String app, int tier) {
        int n = Integer.parseInt(pod.substring(1));
        return new EndpointInfo(
                ns,
                pod,
                1000 + n,
                Map.of("app", app, "tier", Integer.toString(tier)),
                tier == 2 ? List.of() : List.of(new NamedPort("http", 8080 + tier, Protocol.TCP)),
                Set.of(IpAddress.parse("10.%d.0.%d".formatted(NAMESPACES.indexOf(ns) + 1, n + 1))),
                "node-" + (n % 2));
    }

    private static ServiceSpec service(String ns, String name, Map<String, String> selector, boolean named) {
        return new ServiceSpec(
                ns,
                name,
                ServiceSpec.CLUSTER_IP,
                List.of(),
                List.of(new ServicePort("web", "TCP", 80, named ? TargetPort.named("http") : TargetPort.of(8080), 0)),
                selector,
                "None",
                0,
                "Cluster",
                "Cluster",
                List.of(),
                "");
    }

    private static SliceSpec slice(String ns, String name, String service, Random random) {
        List<SliceSpec.Endpoint> eps = new ArrayList<>();
        for (int i = 0; i < 1 + random.nextInt(3); i++) {
            eps.add(new SliceSpec.Endpoint(
                    List.of("10.9.%d.%d".formatted(NAMESPACES.indexOf(ns), random.nextInt(6) + 1)),
                    random.nextInt(4) != 0,
                    "node-0",
                    ns + "/ext" + i));
        }
        return new SliceSpec(ns, name, service, "IPv4", List.of(new SliceSpec.Port("web", "TCP", 9000)), eps);
    }
}
