package dev.tendril.policy.adapters.rest;

import dev.tendril.k8s.labels.Label;
import dev.tendril.k8s.labels.LabelSource;
import dev.tendril.policy.adapters.kafka.InputsConsumer;
import dev.tendril.policy.app.PolicyRuntime;
import dev.tendril.policy.domain.Identity;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The ClusterMesh peers this service follows and their identities as the selector cache holds them: what
 * {@code tendril get identities} adds to the identity service's local list.
 */
@Path("/v1/clustermesh")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "clustermesh", description = "ClusterMesh peers' identities as policy selects them")
public class MeshResource {

    /** A remote identity: its number, the peer it comes from and its labels ({@code source:key=value}). */
    public record RemoteIdentityView(long id, String cluster, List<String> labels) {}

    /**
     * A followed peer: its cluster id, the identities and Services held, whether its topics were read to their end
     * once.
     */
    public record PeerView(String name, long clusterId, int identities, int services, boolean bootstrapped) {}

    @Inject
    PolicyRuntime runtime;

    @Inject
    InputsConsumer inputs;

    @GET
    @Path("/peers")
    @Operation(summary = "The ClusterMesh peers whose identities and Services this service follows")
    public List<PeerView> peers() {
        List<PeerView> out = new ArrayList<>();
        inputs.meshPeers()
                .forEach((name, p) ->
                        out.add(new PeerView(name, p.clusterId(), p.identities(), p.services(), p.bootstrapped())));
        return out;
    }

    @GET
    @Path("/identities")
    @Operation(summary = "Identities of ClusterMesh peers, optionally only those holding every given label")
    public List<RemoteIdentityView> identities(@QueryParam("label") List<String> labels) {
        List<Label> wanted = new ArrayList<>();
        for (String l : labels == null ? List.<String>of() : labels) {
            if (l.isBlank()) {
                throw RequestException.invalid("label", "a label filter must not be empty");
            }
            wanted.add(Label.parse(l));
        }
        return runtime.read(v -> v.engine().identities().stream()
                .filter(i -> v.engine().isRemote(i.id()))
                .filter(i -> i.labels().containsAll(wanted))
                .map(MeshResource::view)
                .toList());
    }

    private static RemoteIdentityView view(Identity i) {
        return new RemoteIdentityView(
                i.id(),
                i.label(LabelSource.K8S, Label.CLUSTER_KEY).map(Label::value).orElse(""),
                i.labels().stream().map(Label::toString).toList());
    }
}
