package dev.tendril.flows;

import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import dev.tendril.api.hubble.observer.ObserverOuterClass;
import dev.tendril.flows.domain.ObserveFilters;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import dev.tendril.testing.SchemaFuzzTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class FlowsFuzzTest extends SchemaFuzzTest {

    @Override
    protected String eventSchema() {
        return "flows";
    }

    @Override
    protected String serviceName() {
        return "flows";
    }

    /**
     * The flow query reads its filters from the raw query string, so OpenAPI does not list them. Not
     * {@code follow}: a followed stream never ends, so it cannot be one request of a fuzz run.
     */
    @Override
    protected Map<String, List<String>> undeclaredQueryParameters() {
        List<String> names =
                new ArrayList<>(ObserveFilters.PARAMETERS.stream().sorted().toList());
        names.addAll(List.of("last", "first", "since", "until"));
        return Map.of("/v1/flows", names);
    }

    @Override
    protected Map<String, String> validParameters() {
        return Map.ofEntries(
                Map.entry("namespace", "default"),
                Map.entry("pod", "web-1"),
                Map.entry("ip", "10.0.0.1"),
                Map.entry("port", "80"),
                Map.entry("identity", "1"),
                Map.entry("verdict", "DROPPED"),
                Map.entry("protocol", "TCP"),
                Map.entry("node", "node-1"),
                Map.entry("last", "10"),
                Map.entry("first", "10"),
                Map.entry("since", "5m"),
                Map.entry("until", "1m"),
                Map.entry("traffic-direction", "ingress"),
                Map.entry("ip-version", "4"),
                Map.entry("label", "app=web"),
                Map.entry("node_name", "node-1"));
    }

    @Override
    protected List<Descriptors.ServiceDescriptor> grpcServices() {
        return List.of(ObserverOuterClass.getDescriptor().findServiceByName("Observer"));
    }

    /** Tendril has no datapath debug events (docs/flows.md). */
    @Override
    protected Set<String> unimplementedMethods() {
        return Set.of("observer.Observer/GetDebugEvents");
    }

    /** {@code GetFlows} and {@code GetAgentEvents} without {@code follow}: a followed stream never ends, so it cannot be one call of a fuzz run. */
    @Override
    protected DynamicMessage sendable(Descriptors.MethodDescriptor method, DynamicMessage request) {
        Descriptors.FieldDescriptor follow = request.getDescriptorForType().findFieldByName("follow");
        return follow == null ? request : request.toBuilder().clearField(follow).build();
    }
}
