package dev.tendril.policy.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.policy.domain.EndpointInfo;
import dev.tendril.policy.lb.LbCommand.ApplyService;
import dev.tendril.policy.lb.LbCommand.DeleteService;
import dev.tendril.policy.lb.LbDecider;
import dev.tendril.policy.lb.LbEvent;
import dev.tendril.policy.lb.LbEvent.ServiceApplied;
import dev.tendril.policy.lb.LbRejected;
import dev.tendril.policy.lb.LbSettings;
import dev.tendril.policy.lb.MeshServices;
import dev.tendril.policy.lb.ServicePort;
import dev.tendril.policy.lb.ServiceSpec;
import dev.tendril.policy.lb.TargetPort;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A write decides against the live state tentatively (no copy): a request refused by a later command, a
 * write whose append fails and a dry run leave the Services and what they hold as they were, so the next
 * write allocates as if they never happened.
 */
class LbRuntimeWriteTest {

    private final FailingStore store = new FailingStore();
    private final LbRuntime runtime = new LbRuntime(
            LbRuntimeDoubles.runtimeState(),
            store,
            new LbDecider(LbSettings.defaults()),
            new LbRuntimeDoubles.NoLeadership(),
            namespace -> List.<EndpointInfo>of(),
            new MeshServices());

    @Test
    void aRequestRefusedByItsLastCommandChangesNothing() {
        runtime.apply(List.of(new ApplyService(nodePort("a", 30000))), false);

        assertThatThrownBy(() -> runtime.apply(
                        List.of(
                                new DeleteService("demo", "a"),
                                new ApplyService(nodePort("b", 0)),
                                new ApplyService(nodePort("c", 30000))),
                        false))
                .isInstanceOfSatisfying(
                        LbRejected.class,
                        r -> assertThat(r.getMessage()).isEqualTo("NodePort 30000/TCP is taken by Service demo/b"));

        assertThat(services()).containsOnlyKeys("demo/a");
        assertAllocates("d", "10.96.0.2", 30001);
    }

    @Test
    void aWriteWhoseAppendFailsChangesNothing() {
        runtime.apply(List.of(new ApplyService(nodePort("a", 0))), false);
        store.failing = true;

        assertThatThrownBy(() -> runtime.apply(
                        List.of(new DeleteService("demo", "a"), new ApplyService(nodePort("b", 0))), false))
                .hasMessage("the database went away");
        store.failing = false;

        assertThat(services()).containsOnlyKeys("demo/a");
        assertAllocates("c", "10.96.0.2", 30001);
    }

    @Test
    void aDryRunDecidesAsTheWriteWouldAndChangesNothing() {
        runtime.apply(List.of(new ApplyService(nodePort("a", 0))), false);

        LbRuntime.Outcome dry = runtime.apply(List.of(new ApplyService(nodePort("b", 0))), true);

        assertThat(((ServiceApplied) dry.events().get(0)).service().clusterIPs())
                .containsExactly("10.96.0.2");
        assertThat(services()).containsOnlyKeys("demo/a");
        assertThat(dry.revision()).isEqualTo(runtime.read(v -> v.state().revision()));
        assertAllocates("b", "10.96.0.2", 30001);
    }

    private Map<String, ServiceApplied> services() {
        return runtime.read(v -> Map.copyOf(v.state().services()));
    }

    private void assertAllocates(String name, String clusterIp, int nodePort) {
        List<LbEvent> events = runtime.apply(List.of(new ApplyService(nodePort(name, 0))), false)
                .events();
        ServiceSpec applied = ((ServiceApplied) events.get(0)).service();
        assertThat(applied.clusterIPs()).containsExactly(clusterIp);
        assertThat(applied.ports().get(0).nodePort()).isEqualTo(nodePort);
    }

    private static ServiceSpec nodePort(String name, int nodePort) {
        return new ServiceSpec(
                "demo",
                name,
                ServiceSpec.NODE_PORT,
                List.of(),
                List.of(new ServicePort("http", "TCP", 80, TargetPort.of(80), nodePort)),
                Map.of("app", name),
                "None",
                0,
                "Cluster",
                "Cluster",
                List.of(),
                "");
    }

    /** The in-memory log, whose appends fail (the transaction rolled back) while {@code failing}. */
    private static final class FailingStore implements LbRepository {
        private final InMemoryLbRepository log = new InMemoryLbRepository();
        private volatile boolean failing;

        @Override
        public List<Logged<LbEvent>> after(long position, int limit) {
            return log.after(position, limit);
        }

        @Override
        public long revision() {
            return log.revision();
        }

        @Override
        public <T> T write(Function<Locked<LbEvent>, T> work) {
            return log.write(locked -> work.apply(new Locked<>() {
                @Override
                public long revision() {
                    return locked.revision();
                }

                @Override
                public List<Logged<LbEvent>> after(long position) {
                    return locked.after(position);
                }

                @Override
                public Committed commit(List<LbEvent> events) {
                    if (failing) {
                        throw new IllegalStateException("the database went away");
                    }
                    return locked.commit(events);
                }
            }));
        }
    }
}
