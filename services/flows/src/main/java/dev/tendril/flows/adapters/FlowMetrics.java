package dev.tendril.flows.adapters;

import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.hubble.flow.IPVersion;
import dev.tendril.api.hubble.flow.Layer4;
import dev.tendril.api.hubble.flow.TrafficDirection;
import dev.tendril.api.hubble.flow.Verdict;
import dev.tendril.hubble.CompactFormatter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hubble's flow metrics under Hubble's names, labels and HELP texts:
 * {@code hubble_flows_processed_total{protocol,subtype,type,verdict}},
 * {@code hubble_drop_total{reason,protocol}} (drop records, not the policy verdict of the same packet),
 * {@code hubble_policy_verdicts_total{direction,match,action}},
 * {@code hubble_tcp_flags_total{flag,family}}, {@code hubble_port_distribution_total{protocol,port}}
 * and {@code hubble_lost_events_total{source}} (sources {@value #HUBBLE_RING_BUFFER} and
 * {@value #OBSERVER_EVENTS_QUEUE}, Hubble's lower-case names). Counters are cached by their label values, and the
 * ingest counts a batch of flows in a {@link CounterTally} before adding to them.
 */
@ApplicationScoped
public class FlowMetrics {

    @Inject
    MeterRegistry registry;

    /** Flows a reader asked for that its node's ring overwrote first. */
    public static final String HUBBLE_RING_BUFFER = "hubble_ring_buffer";

    /** Events dropped because a follower's queue was full (GetAgentEvents). */
    public static final String OBSERVER_EVENTS_QUEUE = "observer_events_queue";

    private static final Map<String, String> HELP = Map.of(
            "hubble_flows_processed_total", "Total number of flows processed",
            "hubble_drop_total", "Number of drops",
            "hubble_policy_verdicts_total", "Number of policy verdicts",
            "hubble_tcp_flags_total", "TCP flag occurrences",
            "hubble_port_distribution_total", "Numbers of packets distributed by destination port",
            "hubble_lost_events_total", "Number of lost events");

    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    // Counters by the numbers their labels are made from, the metric in the top byte: once a combination has been
    // seen, a flow costs a map lookup per metric and builds no string (at 200,000 flows/s the label strings were
    // about a third of the ingest's CPU).
    private static final long FLOWS = 1L << 56;
    private static final long DROPS = 2L << 56;
    private static final long VERDICTS = 3L << 56;
    private static final long TCP_FLAGS = 4L << 56;
    private static final long PORTS = 5L << 56;
    private final Map<Long, Counter> byValues = new ConcurrentHashMap<>();

    /** Counts one flow now (tests; the ingest counts a batch at a time, {@link #record(Flow, CounterTally)}). */
    public void record(Flow flow) {
        CounterTally tally = new CounterTally();
        record(flow, tally);
        tally.flush();
    }

    /**
     * Counts one flow in {@code tally}: on its counters once the tally is flushed. Only {@code flow}'s own fields are
     * read, not its endpoints (the ingest parses a flow without them).
     */
    public void record(Flow flow, CounterTally tally) {
        int event = flow.getEventType().getType();
        int verdict = flow.getVerdictValue();
        int protocolCase = flow.getL4().getProtocolCase().getNumber();
        int observation = flow.getTraceObservationPointValue();
        if (fits(event, 0xFF) && fits(verdict, 0xFF) && fits(observation, 0xFFFFFF)) {
            long key = FLOWS | (long) event << 40 | (long) verdict << 32 | (long) protocolCase << 24 | observation;
            if (!tally.increment(key)) {
                Counter counter = byValues.get(key);
                tally.add(key, counter != null ? counter : remember(key, processed(flow, event)));
            }
        } else {
            processed(flow, event).increment();
        }
        // A packet dropped by policy comes as a policy verdict and a drop record (as Cilium sends them):
        // the drop record counts it, so each dropped packet counts once.
        if (flow.getVerdict() == Verdict.DROPPED && event != 5) {
            int reason = flow.getDropReasonDescValue();
            long key = DROPS | (long) (reason & 0xFFFFFF) << 8 | protocolCase;
            if (!fits(reason, 0xFFFFFF)) {
                drop(flow).increment();
            } else if (!tally.increment(key)) {
                Counter counter = byValues.get(key);
                tally.add(key, counter != null ? counter : remember(key, drop(flow)));
            }
        }
        if (event == 5) {
            int direction = flow.getTrafficDirectionValue();
            int match = flow.getPolicyMatchType();
            long key = VERDICTS | (long) direction << 24 | (long) match << 8 | verdict;
            if (!(fits(direction, 0xFF) && fits(match, 0xFFFF) && fits(verdict, 0xFF))) {
                policyVerdict(flow).increment();
            } else if (!tally.increment(key)) {
                Counter counter = byValues.get(key);
                tally.add(key, counter != null ? counter : remember(key, policyVerdict(flow)));
            }
        }
        if (flow.getL4().hasTCP() && flow.getL4().getTCP().hasFlags()) {
            var flags = flow.getL4().getTCP().getFlags();
            boolean v6 = flow.getIP().getIpVersion() == IPVersion.IPv6;
            if (flags.getSYN()) {
                tcpFlag(tally, flags.getACK() ? "SYN-ACK" : "SYN", v6);
            }
            if (flags.getFIN()) {
                tcpFlag(tally, "FIN", v6);
            }
            if (flags.getRST()) {
                tcpFlag(tally, "RST", v6);
            }
        }
        boolean reply = flow.hasIsReply() && flow.getIsReply().getValue();
        if (!reply && flow.getVerdict() != Verdict.DROPPED) {
            int port = switch (flow.getL4().getProtocolCase()) {
                case TCP -> flow.getL4().getTCP().getDestinationPort();
                case UDP -> flow.getL4().getUDP().getDestinationPort();
                case SCTP -> flow.getL4().getSCTP().getDestinationPort();
                default -> 0;
            };
            if (port > 0 && fits(port, 0xFFFF)) {
                long key = PORTS | (long) protocolCase << 16 | port;
                if (!tally.increment(key)) {
                    Counter counter = byValues.get(key);
                    tally.add(
                            key,
                            counter != null
                                    ? counter
                                    : remember(
                                            key,
                                            counter(
                                                    "hubble_port_distribution_total",
                                                    "protocol",
                                                    protocol(flow),
                                                    "port",
                                                    Integer.toString(port))));
                }
            }
        }
    }

    private Counter drop(Flow flow) {
        return counter("hubble_drop_total", "reason", flow.getDropReasonDesc().name(), "protocol", protocol(flow));
    }

    /** {@code hubble_flows_processed_total} of this flow, by its label values (the slow path, once per combination). */
    private Counter processed(Flow flow, int event) {
        String verdict = flow.getVerdict() == Verdict.UNRECOGNIZED
                ? "UNKNOWN"
                : flow.getVerdict().name();
        String type;
        String subtype = "";
        if (event == 1 || (event == 0 && flow.getVerdict() == Verdict.DROPPED)) {
            type = "Drop";
        } else if (event == 5) {
            type = "PolicyVerdict";
        } else if (event == 129) {
            type = "L7";
        } else {
            type = "Trace";
            subtype = flow.getTraceObservationPointValue() == 0
                    ? ""
                    : flow.getTraceObservationPoint()
                            .name()
                            .toLowerCase(Locale.ROOT)
                            .replace('_', '-');
        }
        return counter(
                "hubble_flows_processed_total",
                "protocol",
                flowProtocol(flow, event, protocol(flow)),
                "subtype",
                subtype,
                "type",
                type,
                "verdict",
                verdict);
    }

    private Counter policyVerdict(Flow flow) {
        String verdict = flow.getVerdict() == Verdict.UNRECOGNIZED
                ? "UNKNOWN"
                : flow.getVerdict().name();
        String direction = flow.getTrafficDirection() == TrafficDirection.TRAFFIC_DIRECTION_UNKNOWN
                ? "unknown"
                : flow.getTrafficDirection().name().toLowerCase(Locale.ROOT);
        return counter(
                "hubble_policy_verdicts_total",
                "direction",
                direction,
                "match",
                CompactFormatter.policyMatch(flow.getPolicyMatchType()).toLowerCase(Locale.ROOT),
                "action",
                verdict.toLowerCase(Locale.ROOT));
    }

    private void tcpFlag(CounterTally tally, String flag, boolean v6) {
        long key = TCP_FLAGS | (flag.hashCode() & 0xFFFF_FFFFL) << 1 | (v6 ? 1 : 0);
        if (!tally.increment(key)) {
            Counter counter = byValues.get(key);
            if (counter == null) {
                counter =
                        remember(key, counter("hubble_tcp_flags_total", "flag", flag, "family", v6 ? "IPv6" : "IPv4"));
            }
            tally.add(key, counter);
        }
    }

    private static String protocol(Flow flow) {
        return switch (flow.getL4().getProtocolCase()) {
            case TCP -> "TCP";
            case UDP -> "UDP";
            case ICMPV4 -> "ICMPv4";
            case ICMPV6 -> "ICMPv6";
            case SCTP -> "SCTP";
            default -> "Unknown";
        };
    }

    private static boolean fits(int value, int max) {
        return value >= 0 && value <= max;
    }

    private Counter remember(long key, Counter counter) {
        Counter known = byValues.putIfAbsent(key, counter);
        return known == null ? counter : known;
    }

    /**
     * Hubble's flow-metric {@code protocol}: the L4 protocol of L3/L4 events, {@code Unknown L4} when
     * they carry none, and {@code Unknown L7} for L7 records (Tendril's flows carry no L7 payload).
     */
    static String flowProtocol(Flow flow, int event, String l4) {
        if (event == 129) {
            return "Unknown L7";
        }
        return flow.getL4().getProtocolCase() == Layer4.ProtocolCase.PROTOCOL_NOT_SET ? "Unknown L4" : l4;
    }

    public void lost(String source, long count) {
        counter("hubble_lost_events_total", "source", source).increment(count);
    }

    /** Registers the lost-events counters at zero so they are scraped before the first loss. */
    public void registerLost() {
        counter("hubble_lost_events_total", "source", HUBBLE_RING_BUFFER);
        counter("hubble_lost_events_total", "source", OBSERVER_EVENTS_QUEUE);
    }

    private Counter counter(String name, String... tags) {
        String key = name + String.join("\u0000", tags);
        Counter counter = counters.get(key);
        if (counter == null) {
            counter = counters.computeIfAbsent(
                    key,
                    k -> Counter.builder(name)
                            .description(HELP.get(name))
                            .tags(tags)
                            .register(registry));
        }
        return counter;
    }
}
