package dev.tendril.agent.probe;

import java.util.List;

/**
 * The answer of {@code POST /v1/probe}.
 *
 * @param verdict FORWARDED when every half that applies forwards, else DROPPED
 * @param loopback true for a pod probing itself: the packet never leaves the pod, no policy applies
 * @param egress the source endpoint's egress decision on its node; null when the source is not an
 *     endpoint, or for loopback
 * @param ingress the destination endpoint's ingress decision on its node; null when the destination is not
 *     an endpoint, when egress dropped the packet (it never arrives), or for loopback
 * @param datapath {@code kernel} when {@code verdict} is what a real connection from the source pod's
 *     namespace met, {@code model} when it is the model's decision over the maps
 * @param model the model's verdict beside a kernel answer (the halves explain it); null for a model answer
 * @param disagrees true when the kernel's verdict is not the model's
 * @param modelBecause why the model answered although the node's pods run on the kernel datapath (for example
 *     the kernel has no SCTP): no real packet was sent; null otherwise
 * @param service the Service whose frontend {@code to} was, and the backend the socket-LB chose ({@code to} is
 *     then that backend); null when the destination is no frontend
 */
public record ProbeResponse(
        String verdict,
        boolean loopback,
        End from,
        End to,
        Half egress,
        Half ingress,
        String datapath,
        String model,
        Boolean disagrees,
        String modelBecause,
        Service service) {

    public static final String MODEL = "model";
    public static final String KERNEL = "kernel";

    /** An answer without the last three (an agent from before real probes) is the model's. */
    public ProbeResponse {
        datapath = datapath == null ? MODEL : datapath;
        disagrees = Boolean.TRUE.equals(disagrees);
    }

    /** An answer without a Service. */
    public ProbeResponse(
            String verdict,
            boolean loopback,
            End from,
            End to,
            Half egress,
            Half ingress,
            String datapath,
            String model,
            Boolean disagrees,
            String modelBecause) {
        this(verdict, loopback, from, to, egress, ingress, datapath, model, disagrees, modelBecause, null);
    }

    /** The model's answer. */
    public ProbeResponse(String verdict, boolean loopback, End from, End to, Half egress, Half ingress) {
        this(verdict, loopback, from, to, egress, ingress, MODEL, null, false, null, null);
    }

    /** This answer for a destination that was a Service frontend. */
    public ProbeResponse withService(Service through) {
        return new ProbeResponse(
                verdict, loopback, from, to, egress, ingress, datapath, model, disagrees, modelBecause, through);
    }

    /**
     * The Service a probe's destination was a frontend of.
     *
     * @param service {@code namespace/name}, "" when no Service of the image names the frontend
     * @param frontend the frontend as the maps hold it ({@code 10.96.0.10:80/TCP}; {@code 0.0.0.0:30080/TCP} for a
     *     NodePort reached on a node address)
     * @param frontendIp the address the probe was sent to
     * @param frontendPort the port the probe was sent to
     * @param backend the backend chosen ({@code 10.0.1.5:8080/TCP}); null when the frontend has none
     * @param backendId the backend's id; null when none
     * @param slot the slot that named it; null when none
     * @param fromAffinity true when the client's ClientIP affinity entry chose the backend
     */
    public record Service(
            String service,
            String frontend,
            String frontendIp,
            int frontendPort,
            String backend,
            Long backendId,
            Integer slot,
            boolean fromAffinity) {}

    /** This (model) answer with the verdict a real probe met in the kernel, the model's kept beside it. */
    public ProbeResponse kernel(String kernelVerdict) {
        return new ProbeResponse(
                kernelVerdict,
                loopback,
                from,
                to,
                egress,
                ingress,
                KERNEL,
                verdict,
                !kernelVerdict.equals(verdict),
                null,
                service);
    }

    /** This (model) answer, saying why no real probe was sent on a node whose pods the kernel wires. */
    public ProbeResponse modelBecause(String reason) {
        return new ProbeResponse(verdict, loopback, from, to, egress, ingress, MODEL, null, false, reason, service);
    }

    /**
     * One end as the datapath sees it.
     *
     * @param endpoint {@code namespace/pod}, null for an address that is no endpoint
     * @param identity the endpoint's identity, or the ipcache's identity of the address
     * @param node the endpoint's node, null for an address that is no endpoint
     */
    public record End(String endpoint, String ip, long identity, String node) {}

    /**
     * One policy decision.
     *
     * @param verdict FORWARDED or DROPPED
     * @param dropReason Hubble's name (POLICY_DENIED, POLICY_DENY, AUTH_REQUIRED, SERVICE_BACKEND_NOT_FOUND), null
     *     when forwarded
     * @param dropReasonCode 133, 181, 189, 158; null when forwarded
     * @param matchType L3-Only, L3-L4, L4-Only, all, L3-Proto, Proto-Only; null when no entry matched
     * @param policies {@code Kind/namespace/name} of the policies behind the matched entry; for a drop
     *     without a matching entry (default deny), the policies that make the endpoint default-deny
     * @param defaultDeny true when no entry matched
     * @param remoteIdentity the peer identity the policy map was consulted with (from this node's ipcache)
     * @param endpointId the endpoint's id on its node (names its policy map)
     * @param node where the decision was taken
     */
    public record Half(
            String verdict,
            String dropReason,
            Integer dropReasonCode,
            String matchType,
            List<String> policies,
            boolean defaultDeny,
            long remoteIdentity,
            int endpointId,
            String node) {

        public boolean dropped() {
            return "DROPPED".equals(verdict);
        }
    }

    /**
     * {@code POST /v1/probe/ingress} (agent to agent): the ingress half on the destination's node.
     *
     * @param source the source as the asking node resolved it
     * @param destination {@code namespace/pod}, an endpoint of the asked node
     * @param destinationIp the destination address the packet carries
     * @param sourcePort the ephemeral port the asking node chose, so both flow records share the 5-tuple
     */
    public record IngressRequest(
            End source, String destination, String destinationIp, int port, String protocol, int sourcePort) {}

    /** The answer of {@code POST /v1/probe/ingress}. */
    public record IngressResponse(End to, Half ingress) {}
}
