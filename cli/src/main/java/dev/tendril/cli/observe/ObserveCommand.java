package dev.tendril.cli.observe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.api.hubble.flow.Verdict;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.api.ServiceException;
import dev.tendril.cli.stack.StackOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tendril observe}: {@code hubble observe} against the flows service. Each flag becomes the query
 * parameter of {@code GET /v1/flows} with the same meaning (repeat a flag for alternatives); the service
 * evaluates the filters and answers rows of {@code observer.GetFlowsResponse} JSON, which are printed
 * compact (default), as they are ({@code -o json}) or as a table. {@code --follow} reads server-sent events
 * until interrupted or until {@code --until} passes.
 */
@Command(
        name = "observe",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Observe flows of the whole cluster, like hubble observe.",
            "Without --last, --first or a time range: the last 20 flows."
        },
        subcommands = {ObserveStatusCommand.class})
public final class ObserveCommand implements Callable<Integer> {

    /** How flows are printed (hubble observe's -o). */
    public enum Output {
        COMPACT,
        JSON,
        JSONPB,
        TABLE
    }

    @Mixin
    StackOption stackOption;

    @Mixin
    HubbleFilterFlags filters = new HubbleFilterFlags();

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = {"-n", "--namespace"},
            paramLabel = "NS",
            description = "Flows from or to pods of this namespace.")
    List<String> namespaces = new ArrayList<>();

    @Option(names = "--from-namespace", paramLabel = "NS", description = "Flows from pods of this namespace.")
    List<String> fromNamespaces = new ArrayList<>();

    @Option(names = "--to-namespace", paramLabel = "NS", description = "Flows to pods of this namespace.")
    List<String> toNamespaces = new ArrayList<>();

    @Option(
            names = "--pod",
            paramLabel = "[NS/]POD",
            description =
                    "Flows from or to this pod: ns/prefix; a bare prefix is default/prefix (with -n: that namespace),"
                            + " /prefix (or -A) any namespace, as hubble.")
    List<String> pods = new ArrayList<>();

    @Option(names = "--from-pod", paramLabel = "[NS/]POD", description = "Flows from this pod.")
    List<String> fromPods = new ArrayList<>();

    @Option(names = "--to-pod", paramLabel = "[NS/]POD", description = "Flows to this pod.")
    List<String> toPods = new ArrayList<>();

    @Option(
            names = {"-l", "--label"},
            paramLabel = "SELECTOR",
            description = "Flows from or to endpoints matching this label selector (app=x,tier!=web).")
    List<String> labels = new ArrayList<>();

    @Option(
            names = "--from-label",
            paramLabel = "SELECTOR",
            description = "Flows from endpoints matching the selector.")
    List<String> fromLabels = new ArrayList<>();

    @Option(names = "--to-label", paramLabel = "SELECTOR", description = "Flows to endpoints matching the selector.")
    List<String> toLabels = new ArrayList<>();

    @Option(names = "--ip", paramLabel = "IP|CIDR", description = "Flows from or to this address or CIDR.")
    List<String> ips = new ArrayList<>();

    @Option(names = "--from-ip", paramLabel = "IP|CIDR", description = "Flows from this address or CIDR.")
    List<String> fromIps = new ArrayList<>();

    @Option(names = "--to-ip", paramLabel = "IP|CIDR", description = "Flows to this address or CIDR.")
    List<String> toIps = new ArrayList<>();

    @Option(names = "--port", paramLabel = "PORT", description = "Flows from or to this L4 port.")
    List<String> ports = new ArrayList<>();

    @Option(names = "--from-port", paramLabel = "PORT", description = "Flows from this L4 port.")
    List<String> fromPorts = new ArrayList<>();

    @Option(names = "--to-port", paramLabel = "PORT", description = "Flows to this L4 port.")
    List<String> toPorts = new ArrayList<>();

    @Option(names = "--identity", paramLabel = "ID", description = "Flows from or to this security identity.")
    List<String> identities = new ArrayList<>();

    @Option(names = "--from-identity", paramLabel = "ID", description = "Flows from this security identity.")
    List<String> fromIdentities = new ArrayList<>();

    @Option(names = "--to-identity", paramLabel = "ID", description = "Flows to this security identity.")
    List<String> toIdentities = new ArrayList<>();

    @Option(
            names = "--verdict",
            paramLabel = "VERDICT",
            description = "Flows with this verdict: FORWARDED, DROPPED, ERROR, AUDIT, REDIRECTED, TRACED, TRANSLATED.")
    List<String> verdicts = new ArrayList<>();

    @Option(
            names = "--protocol",
            paramLabel = "PROTO",
            description = "Flows of this protocol: tcp, udp, icmp (v4 or v6), icmpv4, icmpv6, sctp, vrrp, igmp,"
                    + " or L7 http, dns, kafka (which match nothing: Tendril's flows carry no L7 record).")
    List<String> protocols = new ArrayList<>();

    @Option(names = "--tcp-flags", paramLabel = "FLAGS", description = "TCP flows carrying these flags (SYN,ACK).")
    List<String> tcpFlags = new ArrayList<>();

    @Option(names = "--ip-version", paramLabel = "4|6", description = "Flows of this IP version.")
    List<String> ipVersions = new ArrayList<>();

    @Option(
            names = "--node-name",
            paramLabel = "NODE",
            description = "Flows seen on this node (pattern, * for any characters).")
    List<String> nodeNames = new ArrayList<>();

    @Option(
            names = "--traffic-direction",
            paramLabel = "DIR",
            description = "Flows of this direction: ingress, egress.")
    List<String> directions = new ArrayList<>();

    @Option(
            names = "--not",
            description = "Reverses the next filter flag into a blacklist filter: --not --verdict FORWARDED.",
            preprocessor = HubbleFilterFlags.Not.class)
    boolean not;

    @Option(names = "--last", paramLabel = "N", description = "The newest N matching flows.")
    Long last;

    @Option(names = "--all", description = "Every stored matching flow (hubble: --last 2^64-1).")
    boolean all;

    @Option(names = "--first", paramLabel = "N", description = "The oldest N matching flows.")
    Long first;

    @Option(
            names = "--since",
            paramLabel = "TIME",
            description = "Flows after this time: RFC 3339, or a duration before now (5m, 2h, 1d).")
    String since;

    @Option(
            names = "--until",
            paramLabel = "TIME",
            description = "Flows before this time: RFC 3339, or a duration before now.")
    String until;

    @Option(
            names = {"-f", "--follow"},
            description = "Keep printing new flows until interrupted (or --until passes).")
    boolean follow;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FORMAT",
            defaultValue = "compact",
            description = "Output format: compact, json, jsonpb, table (default: ${DEFAULT-VALUE}).")
    Output output = Output.COMPACT;

    @Option(
            names = "--field-mask",
            paramLabel = "PATHS",
            split = ",",
            description = "Only these flow fields (time,verdict,source.pod_name); needs -o json or jsonpb.")
    List<String> fieldMask = new ArrayList<>();

    @Option(names = "--print-node-name", description = "Print the node each flow was seen on.")
    boolean printNodeName;

    @Override
    public Integer call() {
        List<Map.Entry<String, String>> query = query();
        ServiceClient flows = ServiceClient.of(stackOption.stack(), "flows");
        FlowPrinter printer = FlowPrinter.of(
                output,
                follow,
                printNodeName,
                spec.commandLine().getOut(),
                spec.commandLine().getErr());
        try {
            if (follow) {
                flows.events("/v1/flows", query, printer::row);
            } else {
                JsonNode rows = flows.get("/v1/flows", query);
                if (rows != null) {
                    rows.forEach(row -> printer.row(row.toString()));
                }
            }
        } catch (ServiceException e) {
            throw refused(e);
        }
        printer.finish();
        return 0;
    }

    /** The query parameters of {@code GET /v1/flows}, checking first what needs no server. */
    List<Map.Entry<String, String>> query() {
        validate();
        List<Map.Entry<String, String>> query = new ArrayList<>();
        add(query, "namespace", namespaces);
        add(query, "from-namespace", fromNamespaces);
        add(query, "to-namespace", toNamespaces);
        add(query, "pod", pods);
        add(query, "from-pod", fromPods);
        add(query, "to-pod", toPods);
        add(query, "label", labels);
        add(query, "from-label", fromLabels);
        add(query, "to-label", toLabels);
        add(query, "ip", ips);
        add(query, "from-ip", fromIps);
        add(query, "to-ip", toIps);
        add(query, "port", ports);
        add(query, "from-port", fromPorts);
        add(query, "to-port", toPorts);
        add(query, "identity", identities);
        add(query, "from-identity", fromIdentities);
        add(query, "to-identity", toIdentities);
        add(
                query,
                "verdict",
                verdicts.stream().map(v -> v.trim().toUpperCase(Locale.ROOT)).toList());
        add(query, "protocol", protocols);
        add(query, "tcp-flags", tcpFlags);
        add(query, "ip-version", ipVersions);
        add(query, "node", nodeNames);
        add(query, "traffic-direction", directions);
        filters.addTo(query);
        add(query, "field-mask", fieldMask);
        if (all) {
            query.add(Map.entry("all", "true"));
        }
        if (last != null) {
            query.add(Map.entry("last", last.toString()));
        }
        if (first != null) {
            query.add(Map.entry("first", first.toString()));
        }
        if (since != null) {
            query.add(Map.entry("since", since));
        }
        if (until != null) {
            query.add(Map.entry("until", until));
        }
        if (follow) {
            query.add(Map.entry("follow", "true"));
        }
        return query;
    }

    private void validate() {
        List<String> known = Arrays.stream(Verdict.values())
                .filter(v -> v != Verdict.UNRECOGNIZED && v != Verdict.VERDICT_UNKNOWN)
                .map(Verdict::name)
                .toList();
        for (String verdict : verdicts) {
            for (String name : verdict.split(",")) {
                if (!known.contains(name.trim().toUpperCase(Locale.ROOT))) {
                    throw usage("--verdict: '" + name.trim() + "' is not a verdict (" + String.join(", ", known) + ")");
                }
            }
        }
        if (last != null && last <= 0) {
            throw usage("--last: must be a positive number, not " + last);
        }
        if (first != null && first <= 0) {
            throw usage("--first: must be a positive number, not " + first);
        }
        if (last != null && first != null) {
            throw usage("--first cannot be combined with --last");
        }
        if (first != null && follow) {
            throw usage("--first cannot be combined with --follow");
        }
        if (all && first != null) {
            throw usage("--first cannot be combined with --all");
        }
        if (all && last != null) {
            throw usage("--last cannot be combined with --all");
        }
        if (!fieldMask.isEmpty() && output != Output.JSON && output != Output.JSONPB) {
            throw usage("--field-mask: " + output.name().toLowerCase(Locale.ROOT)
                    + " output format is not compatible with custom field mask");
        }
        Instant from = absolute(since);
        Instant to = absolute(until);
        if (from != null && to != null && from.isAfter(to)) {
            throw usage("--since: " + since + " is after --until " + until);
        }
    }

    /** An RFC 3339 time, null for a relative one (the service reads those against its clock). */
    private static Instant absolute(String time) {
        if (time == null) {
            return null;
        }
        try {
            return Instant.parse(time.trim());
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * A 400 names the query parameter first ({@code since: '...' is neither ...}): print that detail alone,
     * with the parameter as the flag the user typed.
     */
    private static ServiceException refused(ServiceException e) {
        if (e.status() != 400 || e.problem() == null || !e.problem().hasNonNull("detail")) {
            return e;
        }
        String detail = e.problem().get("detail").asText();
        if (detail.startsWith("node: ")) {
            detail = "node-name: " + detail.substring("node: ".length());
        }
        return new ServiceException(detail, e.status(), null);
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    private static void add(List<Map.Entry<String, String>> query, String name, List<String> values) {
        values.forEach(value -> query.add(Map.entry(name, value)));
    }
}
