package dev.tendril.cli.apply;

import dev.tendril.cli.OutputOption;
import dev.tendril.cli.agent.Agents;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.stack.StackOption;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tendril apply -f}: like {@code kubectl apply}. Every document of every file is checked, then each
 * owning service is asked what it would do (the policy service's dry run); only when all of that passed is
 * anything changed, namespaces first.
 */
@Command(name = "apply", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Create or update objects from manifests (multi-document YAML or JSON).",
                "Kinds: Namespace, NetworkPolicy, CiliumNetworkPolicy, Pod (namespaces first, pods last).",
                "Nothing is applied unless every document is valid."})
public final class ApplyCommand implements Callable<Integer> {

    @Mixin
    ManifestOptions manifests;

    @Option(names = "--dry-run", description = "Validate and show what would change, changing nothing.")
    boolean dryRun;

    @Mixin
    OutputOption output;

    @Mixin
    StackOption stackOption;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ManifestKinds kinds = ManifestKinds.all(clients(stackOption), agents(stackOption));
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
                    if (!output.json()) {
                        result.outcomes().forEach(outcome -> out.println(outcome.applied(false)));
                        out.flush();
                    }
                }
            }
        } finally {
            if (output.json()) {
                OutputOption.printJson(out, json(applied, warnings));
            }
            printWarnings(err, warnings);
        }
        return 0;
    }

    private void report(PrintWriter out, PrintWriter err, List<Outcome> outcomes, List<String> warnings) {
        if (output.json()) {
            Map<String, Object> json = json(outcomes, warnings);
            json.put("dryRun", true);
            OutputOption.printJson(out, json);
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

    /** The stack's agents, read when first asked for and then kept for the run (their endpoint lists too). */
    static Supplier<Agents> agents(StackOption stackOption) {
        Agents[] agents = new Agents[1];
        return () -> {
            if (agents[0] == null) {
                agents[0] = Agents.of(stackOption.stack());
            }
            return agents[0];
        };
    }

    /** The client of each stack component, created when first asked for. */
    static Function<String, ServiceClient> clients(StackOption stackOption) {
        Map<String, ServiceClient> clients = new HashMap<>();
        return component -> clients.computeIfAbsent(component, name -> ServiceClient.of(stackOption.stack(), name));
    }
}
