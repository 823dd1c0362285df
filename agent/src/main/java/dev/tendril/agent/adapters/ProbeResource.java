package dev.tendril.agent.adapters;

import dev.tendril.agent.probe.ProbeException;
import dev.tendril.agent.probe.ProbeRequest;
import dev.tendril.agent.probe.ProbeResponse;
import dev.tendril.agent.probe.Prober;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;

/**
 * {@code POST /v1/probe}: would this packet pass, and which policy decides? {@code POST /v1/probe/ingress}
 * is internal: the ingress half another agent asks of this node. Errors are application/problem+json.
 */
@Path("/v1/probe")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ProbeResource {

    @Inject
    ProbeService probes;

    @Inject
    MeterRegistry registry;

    private Map<String, Counter> counters;

    @PostConstruct
    void init() {
        counters = Map.of("FORWARDED", counter("FORWARDED"), "DROPPED", counter("DROPPED"));
    }

    private Counter counter(String verdict) {
        return Counter.builder("tendril.agent.probes")
                .description("Probes this node evaluated, by verdict")
                .tag("verdict", verdict)
                .register(registry);
    }

    @POST
    public ProbeResponse probe(ProbeRequest body, @HeaderParam(HttpPeerClient.FORWARDED_HEADER) String forwardedBy) {
        ProbeRequest request = body == null ? new ProbeRequest(null, null, null, null) : body;
        Prober.Outcome out = probes.probe(request, forwardedBy != null);
        if (!out.forwarded()) {
            counters.get(out.response().verdict()).increment();
        }
        return out.response();
    }

    @POST
    @Path("/ingress")
    public ProbeResponse.IngressResponse ingress(ProbeResponse.IngressRequest body) {
        if (body == null) {
            throw ProbeException.invalid("source", "is required");
        }
        return probes.prober().ingress(body);
    }
}
