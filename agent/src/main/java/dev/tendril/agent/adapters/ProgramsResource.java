package dev.tendril.agent.adapters;

import dev.tendril.agent.datapath.kernel.KernelPodNetwork;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/**
 * The BPF programs of this node's datapath, as {@code tendril bpf prog list} prints them (what {@code bpftool net show}
 * and {@code bpftool cgroup show} tell a Cilium operator): per attached endpoint the programs the kernel runs on its
 * veth's hooks now, read back from the kernel rather than from what the agent meant to attach, and the socket load
 * balancer's cgroup programs. On the model datapath there are none, and {@code datapath} says why.
 *
 * @see KernelPodNetwork#endpointPrograms()
 */
@Path("/v1/programs")
@Produces(MediaType.APPLICATION_JSON)
public class ProgramsResource {

    /** {@code datapath} as readiness words it ({@code kernel (tc), 4 programs} or {@code model: <why>}). */
    public record Programs(
            String datapath, List<KernelPodNetwork.EndpointPrograms> rows, List<Integer> socketLbPrograms) {}

    @Inject
    PodNetworks pods;

    @GET
    public Programs list() {
        return pods.kernel()
                .map(k -> new Programs(pods.status(), k.endpointPrograms(), k.socketLbProgramIds()))
                .orElseGet(() -> new Programs(pods.status(), List.of(), List.of()));
    }
}
