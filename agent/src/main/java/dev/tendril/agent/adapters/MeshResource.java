package dev.tendril.agent.adapters;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** The ClusterMesh peers this agent follows, with what it holds of each (for {@code tendril clustermesh status}). */
@Path("/v1/clustermesh/peers")
@Produces(MediaType.APPLICATION_JSON)
public class MeshResource {

    @Inject
    MeshStateConsumer mesh;

    @GET
    public List<MeshStateConsumer.PeerStatus> list() {
        return List.copyOf(mesh.peers().values());
    }
}
