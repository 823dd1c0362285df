package dev.tendril.policy.adapters.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/** The JSON shapes of the REST API. */
public final class Views {

    private Views() {}

    /** {@code PUT /v1/policies}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ApplyResponse(long revision, List<AppliedPolicy> policies, List<String> warnings, Boolean dryRun) {}

    /** {@code result}: created, configured or unchanged. */
    public record AppliedPolicy(String kind, String namespace, String name, long revision, String result) {}

    /** {@code GET /v1/policies} rows, and with {@code manifest} (the document as sent) the single policy. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PolicyView(
            String kind,
            String namespace,
            String name,
            long revision,
            List<Long> subjects,
            Map<String, Object> manifest) {}

    public record RevisionView(long revision) {}

    /** {@code GET /v1/identities/{id}/policymap}, like {@code cilium bpf policy get}. */
    public record PolicyMapView(
            long subject,
            long revision,
            List<String> ingressEnforcedBy,
            List<String> egressEnforcedBy,
            List<PolicyMapRow> entries) {}

    /**
     * One entry: identity 0 (labels empty) is any peer; protocol ANY/TCP/UDP/SCTP or a number; port ANY,
     * a port or a range; prefixLength the LPM prefix length of the key (40 static bits plus the L4 bits).
     */
    public record PolicyMapRow(
            String verdict,
            String direction,
            long identity,
            List<String> labels,
            String protocol,
            String port,
            int prefixLength,
            List<String> policies) {}

    public record SelectorView(String selector, List<Long> selected, List<String> users) {}

    /**
     * One party of a trace request: an endpoint, a label set in a namespace, or an identity; a destination may
     * instead be a Service frontend {@code address} (a ClusterIP, with the request's port and protocol).
     */
    public record TracePartyRequest(
            String namespace, String pod, Map<String, String> labels, Long identity, String address) {}

    public record TraceRequest(TracePartyRequest from, TracePartyRequest to, Integer port, String protocol) {}

    /** {@code identity} is null for a hypothetical label set that has no identity yet. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TraceParty(Long identity, List<String> labels, String endpoint, Boolean hypothetical) {}

    public record TraceStep(
            String verdict,
            String dropReason,
            int dropReasonCode,
            String matchType,
            PolicyMapRow entry,
            List<String> policies,
            String explanation) {}

    /**
     * {@code service} and {@code backends} only for a Service destination: the verdict is then ALLOWED when
     * every backend is, and {@code to}, {@code egress}, {@code ingress} are the first backend's.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TraceResponse(
            String verdict,
            TraceParty from,
            TraceParty to,
            int port,
            String protocol,
            TraceStep egress,
            TraceStep ingress,
            String service,
            List<TraceBackend> backends) {}

    /** One backend of a traced Service: where the connection is translated to and the policy verdict there. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TraceBackend(String address, int port, String pod, Long identity, String verdict, String reason) {}
}
