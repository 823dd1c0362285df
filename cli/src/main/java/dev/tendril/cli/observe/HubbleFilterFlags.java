package dev.tendril.cli.observe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Stack;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The {@code hubble observe} flags {@code tendril observe} took on with Hubble's filter semantics
 * ({@code -A}, {@code --type}, {@code --uuid}, {@code --fqdn}, {@code --workload}, {@code --cluster},
 * {@code --node-label}, ...), the flags the flows service refuses by name ({@code --http-*},
 * {@code --service}, ...: Tendril has no data to match them on), and {@code --not}, which like Hubble's turns the one flag after it into a blacklist
 * filter ({@code not-<flag>} on {@code GET /v1/flows}).
 */
public final class HubbleFilterFlags {

    /** Flags that take no value. */
    static final Set<String> SWITCHES = Set.of("all-namespaces", "from-all-namespaces", "to-all-namespaces");

    /** Parameters passed as they are: the last group the flows service refuses (400 naming the flag). */
    static final List<String> FORWARDED_ONLY = List.of(
            "service",
            "from-service",
            "to-service",
            "workload",
            "from-workload",
            "to-workload",
            "cluster",
            "from-cluster",
            "to-cluster",
            "node-label",
            "http-status",
            "http-method",
            "http-path",
            "http-url",
            "http-header",
            "trace-id",
            "snat-ip",
            "interface",
            "cel-expression");

    @Option(
            names = {"-A", "--all-namespaces"},
            description = "Flows from or to pods of any namespace (hubble sends the pod filter \"/\").")
    boolean allNamespaces;

    @Option(names = "--from-all-namespaces", description = "Flows from pods of any namespace.")
    boolean fromAllNamespaces;

    @Option(names = "--to-all-namespaces", description = "Flows to pods of any namespace.")
    boolean toAllNamespaces;

    @Option(
            names = {"-t", "--type"},
            paramLabel = "TYPE[:SUBTYPE]",
            description = "Flows of this event type: drop, trace[:to-endpoint|from-endpoint|...], policy-verdict,"
                    + " capture, l7, trace-sock, or a number.")
    List<String> types = new ArrayList<>();

    @Option(names = "--uuid", paramLabel = "UUID", description = "The flow with this UUID.")
    List<String> uuids = new ArrayList<>();

    @Option(
            names = "--drop-reason-desc",
            paramLabel = "REASON",
            description = "Dropped flows with this reason (POLICY_DENIED, POLICY_DENY, ...).")
    List<String> dropReasons = new ArrayList<>();

    @Option(names = "--fqdn", paramLabel = "NAME", description = "Flows from or to this DNS name (*.cilium.io).")
    List<String> fqdns = new ArrayList<>();

    @Option(names = "--from-fqdn", paramLabel = "NAME", description = "Flows from this DNS name.")
    List<String> fromFqdns = new ArrayList<>();

    @Option(names = "--to-fqdn", paramLabel = "NAME", description = "Flows to this DNS name.")
    List<String> toFqdns = new ArrayList<>();

    /** Every filter flag, by each of its names, to its query parameter. */
    static final Map<String, String> PARAMETERS = parameters();

    private static final String REFUSED =
            "Hubble filter Tendril's flows carry no data for: the flows service refuses it, naming the flag.";

    @Option(names = "--service", paramLabel = "VALUE", description = REFUSED)
    List<String> service = new ArrayList<>();

    @Option(names = "--from-service", paramLabel = "VALUE", description = REFUSED)
    List<String> fromService = new ArrayList<>();

    @Option(names = "--to-service", paramLabel = "VALUE", description = REFUSED)
    List<String> toService = new ArrayList<>();

    @Option(
            names = "--workload",
            paramLabel = "VALUE",
            description = "Flows from or to an endpoint of this workload ([KIND/]NAME, e.g. Deployment/web).")
    List<String> workload = new ArrayList<>();

    @Option(names = "--from-workload", paramLabel = "VALUE", description = "Flows from an endpoint of this workload.")
    List<String> fromWorkload = new ArrayList<>();

    @Option(names = "--to-workload", paramLabel = "VALUE", description = "Flows to an endpoint of this workload.")
    List<String> toWorkload = new ArrayList<>();

    @Option(
            names = "--cluster",
            paramLabel = "VALUE",
            description = "Flows from or to endpoints of this cluster (pattern, * for any characters).")
    List<String> cluster = new ArrayList<>();

    @Option(names = "--from-cluster", paramLabel = "VALUE", description = "Flows from endpoints of this cluster.")
    List<String> fromCluster = new ArrayList<>();

    @Option(names = "--to-cluster", paramLabel = "VALUE", description = "Flows to endpoints of this cluster.")
    List<String> toCluster = new ArrayList<>();

    @Option(
            names = "--node-label",
            paramLabel = "VALUE",
            description = "Flows seen on nodes matching this label selector (zone=a).")
    List<String> nodeLabel = new ArrayList<>();

    @Option(names = "--http-status", paramLabel = "VALUE", description = REFUSED)
    List<String> httpStatus = new ArrayList<>();

    @Option(names = "--http-method", paramLabel = "VALUE", description = REFUSED)
    List<String> httpMethod = new ArrayList<>();

    @Option(names = "--http-path", paramLabel = "VALUE", description = REFUSED)
    List<String> httpPath = new ArrayList<>();

    @Option(names = "--http-url", paramLabel = "VALUE", description = REFUSED)
    List<String> httpUrl = new ArrayList<>();

    @Option(names = "--http-header", paramLabel = "VALUE", description = REFUSED)
    List<String> httpHeader = new ArrayList<>();

    @Option(names = "--trace-id", paramLabel = "VALUE", description = REFUSED)
    List<String> traceId = new ArrayList<>();

    @Option(names = "--snat-ip", paramLabel = "VALUE", description = REFUSED)
    List<String> snatIp = new ArrayList<>();

    @Option(names = "--interface", paramLabel = "VALUE", description = REFUSED)
    List<String> interfaces = new ArrayList<>();

    @Option(names = "--cel-expression", paramLabel = "VALUE", description = REFUSED)
    List<String> celExpression = new ArrayList<>();

    /** Filters after {@code --not}, in command-line order. */
    final List<Map.Entry<String, String>> extra = new ArrayList<>();

    void addTo(List<Map.Entry<String, String>> query) {
        if (allNamespaces) {
            query.add(Map.entry("all-namespaces", "true"));
        }
        if (fromAllNamespaces) {
            query.add(Map.entry("from-all-namespaces", "true"));
        }
        if (toAllNamespaces) {
            query.add(Map.entry("to-all-namespaces", "true"));
        }
        types.forEach(v -> query.add(Map.entry("type", v)));
        uuids.forEach(v -> query.add(Map.entry("uuid", v)));
        dropReasons.forEach(v -> query.add(Map.entry("drop-reason-desc", v)));
        fqdns.forEach(v -> query.add(Map.entry("fqdn", v)));
        fromFqdns.forEach(v -> query.add(Map.entry("from-fqdn", v)));
        toFqdns.forEach(v -> query.add(Map.entry("to-fqdn", v)));
        List<List<String>> forwarded = List.of(
                service,
                fromService,
                toService,
                workload,
                fromWorkload,
                toWorkload,
                cluster,
                fromCluster,
                toCluster,
                nodeLabel,
                httpStatus,
                httpMethod,
                httpPath,
                httpUrl,
                httpHeader,
                traceId,
                snatIp,
                interfaces,
                celExpression);
        for (int i = 0; i < FORWARDED_ONLY.size(); i++) {
            String name = FORWARDED_ONLY.get(i);
            forwarded.get(i).forEach(v -> query.add(Map.entry(name, v)));
        }
        query.addAll(extra);
    }

    private static Map<String, String> parameters() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String name : List.of(
                "namespace",
                "from-namespace",
                "to-namespace",
                "pod",
                "from-pod",
                "to-pod",
                "label",
                "from-label",
                "to-label",
                "ip",
                "from-ip",
                "to-ip",
                "port",
                "from-port",
                "to-port",
                "identity",
                "from-identity",
                "to-identity",
                "verdict",
                "protocol",
                "tcp-flags",
                "ip-version",
                "traffic-direction",
                "all-namespaces",
                "from-all-namespaces",
                "to-all-namespaces",
                "type",
                "uuid",
                "drop-reason-desc",
                "fqdn",
                "from-fqdn",
                "to-fqdn")) {
            m.put("--" + name, name);
        }
        FORWARDED_ONLY.forEach(name -> m.put("--" + name, name));
        m.put("--node-name", "node");
        m.put("-n", "namespace");
        m.put("-l", "label");
        m.put("-t", "type");
        m.put("-A", "all-namespaces");
        return Map.copyOf(m);
    }

    private static HubbleFilterFlags of(ArgSpec argSpec) {
        Object user = argSpec.command().userObject();
        if (user instanceof ObserveCommand observe) {
            return observe.filters;
        }
        return (HubbleFilterFlags) user;
    }

    /**
     * {@code --not FLAG [VALUE]}: the next flag goes to the blacklist, as {@code hubble observe --not}
     * does; a trailing or doubled {@code --not} fails as Hubble's does.
     */
    static final class Not implements CommandLine.IParameterPreprocessor {
        @Override
        public boolean preprocess(Stack<String> args, CommandSpec spec, ArgSpec argSpec, Map<String, Object> info) {
            if (args.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "trailing --not found in the arguments");
            }
            String flag = args.pop();
            String value = null;
            int eq = flag.indexOf('=');
            if (flag.startsWith("--") && eq > 0) {
                value = flag.substring(eq + 1);
                flag = flag.substring(0, eq);
            }
            if (flag.equals("--not")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "consecutive --not statements");
            }
            String parameter = PARAMETERS.get(flag);
            if (parameter == null) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--not " + flag + ": --not applies to a filter flag");
            }
            if (SWITCHES.contains(parameter)) {
                value = "true";
            } else if (value == null) {
                if (args.isEmpty()) {
                    throw new CommandLine.ParameterException(spec.commandLine(), flag + ": a value is required");
                }
                value = args.pop();
            }
            if (parameter.equals("verdict")) {
                value = value.trim().toUpperCase(java.util.Locale.ROOT);
            }
            of(argSpec).extra.add(Map.entry("not-" + parameter, value));
            return true;
        }
    }
}
