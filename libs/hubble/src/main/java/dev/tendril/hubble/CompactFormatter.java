package dev.tendril.hubble;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.tendril.api.hubble.flow.DropReason;
import dev.tendril.api.hubble.flow.Endpoint;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.hubble.flow.Layer4;
import dev.tendril.api.hubble.flow.Policy;
import dev.tendril.api.hubble.flow.Service;
import dev.tendril.api.hubble.flow.TCPFlags;
import dev.tendril.api.hubble.flow.TraceObservationPoint;
import dev.tendril.api.hubble.flow.TrafficDirection;
import dev.tendril.api.hubble.flow.Verdict;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Hubble's compact one-line rendering of a {@code flow.Flow}, as {@code hubble observe} prints it, plus
 * the policy that dropped the flow when the flow names it:
 *
 * <pre>
 * Nov 26 14:31:07.892 [node-1]: demo/frontend:43210 (ID:17901) -> demo/database:80 (ID:29433) Policy denied DROPPED (TCP Flags: SYN) policy: NetworkPolicy/demo/default-deny-ingress
 * </pre>
 *
 * <ul>
 *   <li>time {@code MMM ppd HH:mm:ss.SSS} in the formatter's zone (UTC unless given), then {@code [node]}
 *       when the flow has a node name;</li>
 *   <li>each side is {@code namespace/pod:port}, or without a pod the Service it was addressed as
 *       ({@code namespace/service:port}, from {@code source_service}/{@code destination_service}), else
 *       {@code ip:port} (no {@code :port} for ICMP), followed by {@code (ID:n)}, or the reserved identity's name ({@code (host)},
 *       {@code (world)}, ...);</li>
 *   <li>the arrow is {@code ->}; a reply ({@code is_reply} true) prints destination first with {@code <-};
 *       {@code <>} when it is unknown whether the packet is a reply ({@code is_reply} unset, as on drops);</li>
 *   <li>the type ({@link #type}) is the drop reason's text for drops ({@code Policy denied}), the observation
 *       point for traces ({@code to-endpoint}), {@code policy-verdict:<match> <DIRECTION>} for policy
 *       verdicts;</li>
 *   <li>the verdict ({@link #verdict}): a policy verdict's is {@code ALLOWED}, {@code DENIED} or
 *       {@code AUDITED}, any other flow's the verdict's name;</li>
 *   <li>the summary in parentheses: {@code TCP Flags: SYN, ACK}, {@code UDP}, {@code SCTP},
 *       {@code ICMPv4 EchoRequest};</li>
 *   <li>suffix ({@code DROPPED} flows only, when a *_denied_by list is set): {@code  policy: }
 *       then {@code Kind/namespace/name} (namespace left out when empty, kind {@code Policy} when
 *       unset), several joined by {@code ", "}, ingress then egress.</li>
 * </ul>
 * Pure: no I/O, thread-safe.
 */
public final class CompactFormatter {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss.SSS", Locale.ENGLISH);

    private final ZoneId zone;

    public CompactFormatter(ZoneId zone) {
        this.zone = zone;
    }

    public static CompactFormatter utc() {
        return new CompactFormatter(ZoneOffset.UTC);
    }

    public String format(Flow flow) {
        StringBuilder line = new StringBuilder(160);
        Instant time = Instant.ofEpochSecond(
                flow.getTime().getSeconds(), flow.getTime().getNanos());
        line.append(TIME.format(time.atZone(zone)));
        if (!flow.getNodeName().isEmpty()) {
            line.append(" [").append(flow.getNodeName()).append(']');
        }
        line.append(": ");
        String src = side(
                flow.getSource(),
                flow.hasSourceService() ? flow.getSourceService() : null,
                flow.getIP().getSource(),
                sourcePort(flow.getL4()));
        String dst = side(
                flow.getDestination(),
                flow.hasDestinationService() ? flow.getDestinationService() : null,
                flow.getIP().getDestination(),
                destinationPort(flow.getL4()));
        if (!flow.hasIsReply()) {
            line.append(src).append(" <> ").append(dst);
        } else if (flow.getIsReply().getValue()) {
            line.append(dst).append(" <- ").append(src);
        } else {
            line.append(src).append(" -> ").append(dst);
        }
        line.append(' ').append(type(flow)).append(' ').append(verdict(flow));
        String summary = summary(flow.getL4());
        if (!summary.isEmpty()) {
            line.append(" (").append(summary).append(')');
        }
        line.append(cause(flow));
        return line.toString();
    }

    /**
     * The compact line's suffix naming the deny rules behind a drop ({@code " policy: <policies>"}), empty
     * when the flow names none.
     */
    public static String cause(Flow flow) {
        StringBuilder line = new StringBuilder();
        if (flow.getVerdict() == Verdict.DROPPED) {
            List<Policy> denied = new ArrayList<>(flow.getIngressDeniedByList());
            denied.addAll(flow.getEgressDeniedByList());
            if (!denied.isEmpty()) {
                line.append(" policy: ");
                for (int i = 0; i < denied.size(); i++) {
                    if (i > 0) {
                        line.append(", ");
                    }
                    line.append(policy(denied.get(i)));
                }
            } else {
                List<String> enforcing = defaultDenyEnforcedBy(flow);
                if (!enforcing.isEmpty()) {
                    line.append(" default deny by: ").append(String.join(", ", enforcing));
                }
            }
        }
        return line.toString();
    }

    /** The extension key under which Tendril's agents name the policies that make a pod default-deny. */
    public static final String DEFAULT_DENY_ENFORCED_BY = "default_deny_enforced_by";

    /**
     * The policies whose selection of the pod made a default-deny verdict deny ({@code Kind/namespace/name}),
     * from the flow's {@code extensions}; empty when it carries none.
     */
    public static List<String> defaultDenyEnforcedBy(Flow flow) {
        if (!flow.hasExtensions() || !flow.getExtensions().is(Struct.class)) {
            return List.of();
        }
        try {
            Value value = flow.getExtensions().unpack(Struct.class).getFieldsOrDefault(DEFAULT_DENY_ENFORCED_BY, null);
            return value == null
                    ? List.of()
                    : value.getListValue().getValuesList().stream()
                            .map(Value::getStringValue)
                            .toList();
        } catch (InvalidProtocolBufferException e) {
            return List.of();
        }
    }

    /** {@code Kind/namespace/name}, the form of the compact line's cause suffix. */
    public static String policy(Policy policy) {
        String kind = policy.getKind().isEmpty() ? "Policy" : policy.getKind();
        return policy.getNamespace().isEmpty()
                ? kind + "/" + policy.getName()
                : kind + "/" + policy.getNamespace() + "/" + policy.getName();
    }

    /** Cilium's text of a drop reason ({@code pkg/monitor/api/drop.go}), the enum name when unlisted. */
    public static String dropReason(DropReason reason) {
        return switch (reason) {
            case POLICY_DENIED -> "Policy denied";
            case POLICY_DENY -> "Policy denied by denylist";
            case INVALID_SOURCE_MAC -> "Invalid source mac";
            case INVALID_DESTINATION_MAC -> "Invalid destination mac";
            case INVALID_SOURCE_IP -> "Invalid source ip";
            case INVALID_PACKET_DROPPED -> "Invalid packet";
            case CT_TRUNCATED_OR_INVALID_HEADER -> "CT: Truncated or invalid header";
            case CT_MISSING_TCP_ACK_FLAG -> "CT: Missing TCP ACK flag";
            case CT_UNKNOWN_L4_PROTOCOL -> "CT: Unknown L4 protocol";
            case UNSUPPORTED_L3_PROTOCOL -> "Unsupported L3 protocol";
            case UNKNOWN_L4_PROTOCOL -> "Unknown L4 protocol";
            case STALE_OR_UNROUTABLE_IP -> "Stale or unroutable IP";
            case SERVICE_BACKEND_NOT_FOUND -> "Service backend not found";
            case NO_CONFIGURATION_AVAILABLE_TO_PERFORM_POLICY_DECISION ->
                "No configuration available to perform policy decision";
            case INVALID_IDENTITY -> "Invalid identity";
            case UNKNOWN_SENDER -> "Unknown sender";
            case AUTH_REQUIRED -> "Authentication required";
            default -> reason.name();
        };
    }

    /** Name of a reserved identity (1..10), or null for any other. */
    public static String reservedIdentity(int id) {
        return switch (id) {
            case 1 -> "host";
            case 2 -> "world";
            case 3 -> "unmanaged";
            case 4 -> "health";
            case 5 -> "init";
            case 6 -> "remote-node";
            case 7 -> "kube-apiserver";
            case 8 -> "ingress";
            case 9 -> "world-ipv4";
            case 10 -> "world-ipv6";
            default -> null;
        };
    }

    /** Cilium's policy match type names (pkg/monitor/api). */
    public static String policyMatch(int matchType) {
        return switch (matchType) {
            case 1 -> "L3-Only";
            case 2 -> "L3-L4";
            case 3 -> "L4-Only";
            case 4 -> "all";
            case 5 -> "L3-Proto";
            case 6 -> "Proto-Only";
            default -> "none";
        };
    }

    private static String side(Endpoint endpoint, Service service, String ip, int port) {
        StringBuilder side = new StringBuilder(48).append(host(endpoint, service, ip, port));
        if (port > 0) {
            side.append(':').append(port);
        }
        String reserved = reservedIdentity(endpoint.getIdentity());
        side.append(reserved != null ? " (" + reserved + ")" : " (ID:" + endpoint.getIdentity() + ")");
        return side.toString();
    }

    /**
     * A side's host as Hubble's printer names it ({@code Hostname} in hubble/pkg/printer): the pod
     * ({@code namespace/pod}), else the Service the side was addressed as ({@code namespace/service}), else the
     * address ({@code [v6]} when a port follows), {@code N/A} when there is none. A Service's namespace is the
     * one shown, as upstream takes it over the endpoint's.
     *
     * @param service the side's {@code source_service}/{@code destination_service}, or null when unset
     */
    public static String host(Endpoint endpoint, Service service, String ip, int port) {
        String namespace = service != null ? service.getNamespace() : endpoint.getNamespace();
        if (!endpoint.getPodName().isEmpty()) {
            return namespace.isEmpty() ? endpoint.getPodName() : namespace + "/" + endpoint.getPodName();
        }
        if (service != null && !service.getName().isEmpty()) {
            return namespace.isEmpty() ? service.getName() : namespace + "/" + service.getName();
        }
        if (ip.indexOf(':') >= 0 && port > 0) {
            return "[" + ip + "]";
        }
        return ip.isEmpty() ? "N/A" : ip;
    }

    /** Cilium's monitor message type of a socket-LB trace ({@code MessageTypeTraceSock}). */
    static final int TRACE_SOCK = 7;

    /** Hubble's TYPE column ({@code GetFlowType} in hubble/pkg/printer). */
    public static String type(Flow flow) {
        int event = flow.getEventType().getType();
        if (event == 1) {
            DropReason reason = DropReason.forNumber(flow.getEventType().getSubType());
            return dropReason(
                    reason == null || reason == DropReason.DROP_REASON_UNKNOWN ? flow.getDropReasonDesc() : reason);
        }
        if (event != 5 && flow.getVerdict() == Verdict.DROPPED) {
            return dropReason(flow.getDropReasonDesc());
        }
        if (event == 5) {
            String direction = flow.getTrafficDirection() == TrafficDirection.TRAFFIC_DIRECTION_UNKNOWN
                    ? ""
                    : " " + flow.getTrafficDirection().name();
            return "policy-verdict:" + policyMatch(flow.getPolicyMatchType()) + direction;
        }
        if (flow.getTraceObservationPoint() != TraceObservationPoint.UNKNOWN_POINT
                && flow.getTraceObservationPoint() != TraceObservationPoint.UNRECOGNIZED) {
            return flow.getTraceObservationPoint()
                    .name()
                    .toLowerCase(Locale.ROOT)
                    .replace('_', '-');
        }
        if (event == TRACE_SOCK) {
            return switch (flow.getSockXlatePoint()) {
                case SOCK_XLATE_POINT_PRE_DIRECTION_FWD -> "pre-xlate-fwd";
                case SOCK_XLATE_POINT_POST_DIRECTION_FWD -> "post-xlate-fwd";
                case SOCK_XLATE_POINT_PRE_DIRECTION_REV -> "pre-xlate-rev";
                case SOCK_XLATE_POINT_POST_DIRECTION_REV -> "post-xlate-rev";
                default -> flow.getSockXlatePoint().name();
            };
        }
        return event == 4 ? "to-endpoint" : "trace";
    }

    /** Hubble's VERDICT column: a policy verdict ALLOWED, DENIED or AUDITED, else the verdict's name. */
    public static String verdict(Flow flow) {
        Verdict verdict = flow.getVerdict();
        if (flow.getEventType().getType() == 5) {
            switch (verdict) {
                case FORWARDED, REDIRECTED -> {
                    return "ALLOWED";
                }
                case DROPPED, ERROR -> {
                    return "DENIED";
                }
                case AUDIT -> {
                    return "AUDITED";
                }
                default -> {}
            }
        }
        return verdict == Verdict.UNRECOGNIZED ? "UNKNOWN" : verdict.name();
    }

    private static int sourcePort(Layer4 l4) {
        return switch (l4.getProtocolCase()) {
            case TCP -> l4.getTCP().getSourcePort();
            case UDP -> l4.getUDP().getSourcePort();
            case SCTP -> l4.getSCTP().getSourcePort();
            default -> 0;
        };
    }

    private static int destinationPort(Layer4 l4) {
        return switch (l4.getProtocolCase()) {
            case TCP -> l4.getTCP().getDestinationPort();
            case UDP -> l4.getUDP().getDestinationPort();
            case SCTP -> l4.getSCTP().getDestinationPort();
            default -> 0;
        };
    }

    /** Hubble's summary of the L4 header: {@code TCP Flags: SYN}, {@code UDP}, {@code ICMPv4 EchoRequest}. */
    public static String summary(Layer4 l4) {
        return switch (l4.getProtocolCase()) {
            case TCP ->
                l4.getTCP().hasFlags() ? "TCP Flags: " + flags(l4.getTCP().getFlags()) : "TCP";
            case UDP -> "UDP";
            case SCTP -> "SCTP";
            case ICMPV4 -> "ICMPv4 " + icmp4(l4.getICMPv4().getType());
            case ICMPV6 -> "ICMPv6 " + icmp6(l4.getICMPv6().getType());
            default -> "";
        };
    }

    /** Set flags in Hubble's order, joined by {@code ", "}. */
    public static String flags(TCPFlags flags) {
        List<String> set = new ArrayList<>(4);
        if (flags.getSYN()) set.add("SYN");
        if (flags.getACK()) set.add("ACK");
        if (flags.getRST()) set.add("RST");
        if (flags.getFIN()) set.add("FIN");
        if (flags.getPSH()) set.add("PSH");
        if (flags.getURG()) set.add("URG");
        if (flags.getECE()) set.add("ECE");
        if (flags.getCWR()) set.add("CWR");
        if (flags.getNS()) set.add("NS");
        return String.join(", ", set);
    }

    private static String icmp4(int type) {
        return switch (type) {
            case 0 -> "EchoReply";
            case 3 -> "DestinationUnreachable";
            case 8 -> "EchoRequest";
            case 11 -> "TimeExceeded";
            default -> "Type:" + type;
        };
    }

    private static String icmp6(int type) {
        return switch (type) {
            case 1 -> "DestinationUnreachable";
            case 3 -> "TimeExceeded";
            case 128 -> "EchoRequest";
            case 129 -> "EchoReply";
            case 135 -> "NeighborSolicitation";
            case 136 -> "NeighborAdvertisement";
            default -> "Type:" + type;
        };
    }
}
