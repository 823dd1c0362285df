package dev.tendril.flows.adapters.grpc;

import com.google.protobuf.Timestamp;
import dev.tendril.api.hubble.flow.FlowFilter;
import dev.tendril.api.hubble.flow.TCPFlags;
import dev.tendril.api.hubble.observer.GetFlowsRequest;
import dev.tendril.flows.adapters.FlowCodec;
import dev.tendril.flows.domain.FilterSpec;
import dev.tendril.flows.domain.FlowQuery;
import dev.tendril.flows.domain.FlowSelection;
import dev.tendril.flows.domain.InvalidFilterException;
import java.util.List;

/** {@code observer.GetFlowsRequest} to a {@link FlowQuery}; errors name the proto field. */
public final class ProtoRequests {

    private ProtoRequests() {}

    public static FlowQuery query(GetFlowsRequest request) {
        List<FilterSpec> whitelist =
                request.getWhitelistList().stream().map(ProtoRequests::spec).toList();
        List<FilterSpec> blacklist =
                request.getBlacklistList().stream().map(ProtoRequests::spec).toList();
        FlowSelection selection = FlowSelection.compile(whitelist, blacklist);
        long since = request.hasSince() ? nanos(request.getSince(), "since") : Long.MIN_VALUE;
        long until = request.hasUntil() ? nanos(request.getUntil(), "until") : Long.MAX_VALUE;
        return new FlowQuery(
                FlowQuery.unsignedNumber(request.getNumber()),
                request.getFirst(),
                request.getFollow(),
                since,
                until,
                selection);
    }

    public static FilterSpec spec(FlowFilter filter) {
        FilterSpec.Builder b = FilterSpec.builder();
        b.sourcePod.addAll(filter.getSourcePodList());
        b.destinationPod.addAll(filter.getDestinationPodList());
        b.sourceLabel.addAll(filter.getSourceLabelList());
        b.destinationLabel.addAll(filter.getDestinationLabelList());
        b.sourceIp.addAll(filter.getSourceIpList());
        b.destinationIp.addAll(filter.getDestinationIpList());
        filter.getSourceIdentityList().forEach(b.sourceIdentity::add);
        filter.getDestinationIdentityList().forEach(b.destinationIdentity::add);
        b.verdict.addAll(filter.getVerdictValueList());
        b.protocol.addAll(filter.getProtocolList());
        b.sourcePort.addAll(filter.getSourcePortList());
        b.destinationPort.addAll(filter.getDestinationPortList());
        b.trafficDirection.addAll(filter.getTrafficDirectionValueList());
        b.nodeName.addAll(filter.getNodeNameList());
        for (TCPFlags flags : filter.getTcpFlagsList()) {
            b.tcpFlags.add(FlowCodec.flags(flags));
        }
        b.reply.addAll(filter.getReplyList());
        b.ipVersion.addAll(filter.getIpVersionValueList());
        return b.build();
    }

    private static long nanos(Timestamp time, String field) {
        if (time.getNanos() < 0 || time.getNanos() > 999_999_999) {
            throw new InvalidFilterException(field, "nanos out of range");
        }
        // Flows are kept in nanoseconds since the epoch: a long reaches the years 1677 to 2262.
        try {
            return Math.addExact(Math.multiplyExact(time.getSeconds(), 1_000_000_000L), time.getNanos());
        } catch (ArithmeticException e) {
            throw new InvalidFilterException(
                    field, "seconds " + time.getSeconds() + " out of range: a time between the years 1678 and 2262");
        }
    }
}
