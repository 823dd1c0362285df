package dev.tendril.policy.adapters.rest;

import dev.tendril.k8s.KubernetesNames;
import dev.tendril.policy.app.LbRuntime;
import dev.tendril.policy.app.PolicyRuntime;
import dev.tendril.policy.lb.LbCommand;
import dev.tendril.policy.lb.LbCommand.ApplyService;
import dev.tendril.policy.lb.LbCommand.ApplySlice;
import dev.tendril.policy.lb.LbCommand.DeleteService;
import dev.tendril.policy.lb.LbCommand.DeleteSlice;
import dev.tendril.policy.lb.LbEvent;
import dev.tendril.policy.lb.LbEvent.EndpointSliceApplied;
import dev.tendril.policy.lb.LbEvent.ServiceApplied;
import dev.tendril.policy.manifest.ServiceManifests;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Services and EndpointSlices (docs/services.md): apply, list, get, delete. */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "services", description = "Kubernetes Services and EndpointSlices, load-balanced by the agents")
public class ServiceResource {

    @Inject
    PolicyRuntime runtime;

    @PUT
    @Path("/services")
    @Consumes({"application/yaml", "application/x-yaml", "text/yaml", MediaType.APPLICATION_JSON})
    @Operation(summary = "Apply Service and EndpointSlice manifests atomically; dryRun only validates")
    @APIResponse(responseCode = "200", description = "The Services and EndpointSlices as stored, with the revision")
    @APIResponse(responseCode = "400", description = "A malformed manifest")
    @APIResponse(responseCode = "409", description = "A ClusterIP or NodePort taken: nothing changed")
    @APIResponse(responseCode = "422", description = "A field Kubernetes refuses, named: nothing changed")
    public ServiceViews.ApplyResponse apply(
            String body,
            @Parameter(description = "validate and report without storing") @QueryParam("dryRun") @DefaultValue("false")
                    boolean dryRun) {
        if (body == null || body.isBlank()) {
            throw RequestException.invalid("body", "no manifests in the request body");
        }
        List<LbCommand> commands = ServiceManifests.parse(body);
        if (commands.isEmpty()) {
            throw RequestException.invalid("body", "no manifests in the request body");
        }
        LbRuntime services = runtime.services();
        LbRuntime.Outcome outcome = services.apply(commands, dryRun);
        if (dryRun) {
            List<ServiceViews.ServiceView> svcs = new ArrayList<>();
            List<ServiceViews.EndpointSliceView> slices = new ArrayList<>();
            for (LbEvent e : outcome.events()) {
                if (e instanceof ServiceApplied a) {
                    svcs.add(ServiceViews.service(a, null));
                } else if (e instanceof EndpointSliceApplied a) {
                    slices.add(ServiceViews.slice(a.slice()));
                }
            }
            return new ServiceViews.ApplyResponse(outcome.revision(), svcs, slices, Boolean.TRUE);
        }
        return services.read(v -> {
            List<ServiceViews.ServiceView> svcs = new ArrayList<>();
            List<ServiceViews.EndpointSliceView> slices = new ArrayList<>();
            for (LbCommand c : commands) {
                if (c instanceof ApplyService a) {
                    v.state()
                            .service(a.service().key())
                            .ifPresent(s -> svcs.add(ServiceViews.service(
                                    s, v.maps().get(s.service().key()))));
                } else if (c instanceof ApplySlice a) {
                    v.state().slice(a.slice().key()).ifPresent(s -> slices.add(ServiceViews.slice(s.slice())));
                }
            }
            return new ServiceViews.ApplyResponse(outcome.revision(), svcs, slices, null);
        });
    }

    @GET
    @Path("/services")
    @Operation(summary = "Every Service with its allocations and backends")
    public List<ServiceViews.ServiceView> list(@QueryParam("namespace") String namespace) {
        return runtime.services()
                .read(v -> v.state().services().values().stream()
                        .filter(s -> namespace == null
                                || namespace.isEmpty()
                                || s.service().namespace().equals(namespace))
                        .map(s ->
                                ServiceViews.service(s, v.maps().get(s.service().key())))
                        .toList());
    }

    @GET
    @Path("/services/{namespace}/{name}")
    @Operation(summary = "One Service")
    @APIResponse(responseCode = "404", description = "No such Service")
    public ServiceViews.ServiceView get(@PathParam("namespace") String namespace, @PathParam("name") String name) {
        String key = key(namespace, name);
        return runtime.services()
                .read(v -> v.state()
                        .service(key)
                        .map(s -> ServiceViews.service(s, v.maps().get(key)))
                        .orElseThrow(() -> RequestException.notFound("name", "Service " + key + " does not exist")));
    }

    @DELETE
    @Path("/services/{namespace}/{name}")
    @Operation(summary = "Delete a Service: its ClusterIPs and NodePorts are free again")
    @APIResponse(responseCode = "404", description = "No such Service")
    public Views.RevisionView delete(@PathParam("namespace") String namespace, @PathParam("name") String name) {
        key(namespace, name);
        return new Views.RevisionView(runtime.services()
                .apply(List.of(new DeleteService(namespace, name)), false)
                .revision());
    }

    @GET
    @Path("/endpointslices")
    @Operation(summary = "The controller's EndpointSlices of selector Services and the applied ones")
    public List<ServiceViews.EndpointSliceView> slices(@QueryParam("namespace") String namespace) {
        return runtime.services().read(v -> {
            List<ServiceViews.EndpointSliceView> out = new ArrayList<>();
            v.state().services().values().forEach(s -> {
                var maps = v.maps().get(s.service().key());
                if (s.service().hasSelector() && maps != null) {
                    out.addAll(ServiceViews.derived(s.service(), maps));
                }
            });
            v.state().slices().values().forEach(s -> out.add(ServiceViews.slice(s.slice())));
            return out.stream()
                    .filter(s -> namespace == null
                            || namespace.isEmpty()
                            || s.namespace().equals(namespace))
                    .toList();
        });
    }

    @DELETE
    @Path("/endpointslices/{namespace}/{name}")
    @Operation(summary = "Delete an applied EndpointSlice")
    @APIResponse(responseCode = "404", description = "No such EndpointSlice")
    public Views.RevisionView deleteSlice(@PathParam("namespace") String namespace, @PathParam("name") String name) {
        key(namespace, name);
        return new Views.RevisionView(runtime.services()
                .apply(List.of(new DeleteSlice(namespace, name)), false)
                .revision());
    }

    private static String key(String namespace, String name) {
        if (!KubernetesNames.isDnsLabel(namespace)) {
            throw RequestException.invalid("namespace", "must be a DNS label");
        }
        if (!KubernetesNames.isDnsLabel(name)) {
            throw RequestException.invalid("name", "must be a DNS label");
        }
        return namespace + "/" + name;
    }
}
