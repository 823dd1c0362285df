package dev.tendril.cli.apply;

import dev.tendril.cli.StackOutputOptions;
import dev.tendril.cli.agent.Agents;
import dev.tendril.cli.api.ServiceClient;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tendril apply -f}: like {@code kubectl apply}. Every document of every file is checked, then each
 * owning service is asked what it would do (the policy service's dry runs of policies and of Services); only
 * when all of that passed is anything changed, namespaces first.
 */
@Command(
        name = "apply",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Create or update objects from manifests (multi-document YAML or JSON).",
            "Kinds: Namespace, NetworkPolicy, CiliumNetworkPolicy, Pod, Service, EndpointSlice",
            "(namespaces first, then policies, pods, and Services with EndpointSlices last).",
            "Nothing is applied unless every document is valid."
        })
public final class ApplyCommand implements Callable<Integer> {

    @Mixin
    ManifestOptions manifests;

    @Option(names = "--dry-run", description = "Validate and show what would change, changing nothing.")
    boolean dryRun;

    @Mixin
    StackOutputOptions options;

    @Override
    public Integer call() {
        PrintWriter out = options.out();
        PrintWriter err = options.err();
        ManifestKinds kinds = kinds(options);
        List<ManifestError> errors = new ArrayList<>();
        Map<ManifestKindHandler, List<Manifest>> grouped = manifests.readAndCheck(kinds, () -> System.in, errors);
        if (!errors.isEmpty()) {
            return ManifestOptions.rejected(err, errors, "nothing applied");
        }
        List<Outcome> planned = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (Map.Entry<ManifestKindHandler, List<Manifest>> kind : grouped.entrySet()) {
            if (!kind.getValue().isEmpty()) {
                ApplyResult result = kind.getKey().dryRun(kind.getValue(), errors);
                planned.addAll(result.outcomes());
                warnings.addAll(result.warnings());
            }
        }
        if (!errors.isEmpty()) {
            return ManifestOptions.rejected(err, errors, "nothing applied");
        }
        if (dryRun) {
            report(out, err, planned, warnings);
            return 0;
        }
        List<Outcome> applied = new ArrayList<>();
        warnings.clear();
        try {
            for (Map.Entry<ManifestKindHandler, List<Manifest>> kind : grouped.entrySet()) {
                if (!kind.getValue().isEmpty()) {
                    ApplyResult result = kind.getKey().apply(kind.getValue());
                    applied.addAll(result.outcomes());
                    warnings.addAll(result.warnings());
                    if (!options.json()) {
                        result.outcomes().forEach(outcome -> out.println(outcome.applied(false)));
                        out.flush();
                    }
                }
            }
        } finally {
            if (options.json()) {
                options.printJson(json(applied, warnings));
            }
            printWarnings(err, warnings);
        }
        return 0;
    }

    private void report(PrintWriter out, PrintWriter err, List<Outcome> outcomes, List<String> warnings) {
        if (options.json()) {
            Map<String, Object> json = json(outcomes, warnings);
            json.put("dryRun", true);
            options.printJson(json);
        } else {
            outcomes.forEach(outcome -> out.println(outcome.applied(dryRun)));
            out.flush();
        }
        printWarnings(err, warnings);
    }

    static Map<String, Object> json(List<Outcome> outcomes, List<String> warnings) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("results", outcomes);
        json.put("warnings", warnings);
        return json;
    }

    private static void printWarnings(PrintWriter err, List<String> warnings) {
        warnings.forEach(warning -> err.println("Warning: " + warning));
        err.flush();
    }

    /**
     * The handlers of every kind, with a client of each stack component created when first asked for and the
     * stack's agents read when first asked for, then kept for the run (their endpoint lists too).
     */
    static ManifestKinds kinds(StackOutputOptions options) {
        Map<String, ServiceClient> clients = new HashMap<>();
        Agents[] agents = new Agents[1];
        return ManifestKinds.all(
                component -> clients.computeIfAbsent(component, name -> ServiceClient.of(options.stack(), name)),
                () -> {
                    if (agents[0] == null) {
                        agents[0] = Agents.of(options.stack());
                    }
                    return agents[0];
                });
    }
}
