package dev.tendril.cli.apply;

import dev.tendril.cli.StackOutputOptions;
import dev.tendril.cli.TendrilCommand;
import dev.tendril.cli.api.ServiceException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tendril delete -f}: deletes the objects the manifests name, like {@code kubectl delete -f}. Every
 * document is checked first, for what names its object only (apiVersion, kind, metadata.name, namespace: a
 * policy without {@code spec} can be deleted); then objects go in reverse apply order (Services and
 * EndpointSlices, pods, policies, namespaces). An object
 * that does not exist is an error unless {@code --ignore-not-found}; either way the others are still deleted.
 * A pod is deleted with a grace period like {@code kubectl delete --grace-period}: terminating (no new Service
 * connections, established ones go on) for that long, then gone.
 */
@Command(
        name = "delete",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description =
                "Delete the objects named in manifests (Service, EndpointSlice, Pod, NetworkPolicy, CiliumNetworkPolicy,"
                        + " Namespace; in that order).")
public final class DeleteCommand implements Callable<Integer> {

    @Mixin
    ManifestOptions manifests;

    @Option(names = "--ignore-not-found", description = "Treat an object that does not exist as deleted, silently.")
    boolean ignoreNotFound;

    @Option(
            names = "--grace-period",
            paramLabel = "SECONDS",
            description = "Pods: seconds a pod stays Terminating (it keeps its established connections, takes no new"
                    + " Service connections) before it is removed; 0 removes it at once. Default: the manifest's"
                    + " spec.terminationGracePeriodSeconds, else 0 (Tendril pods run no processes to stop;"
                    + " Kubernetes' own default is 30).")
    Integer gracePeriod;

    @Mixin
    StackOutputOptions options;

    @Override
    public Integer call() {
        PrintWriter out = options.out();
        PrintWriter err = options.err();
        ManifestKinds kinds = ApplyCommand.kinds(options);
        List<ManifestError> errors = new ArrayList<>();
        if (gracePeriod != null && (gracePeriod < 0 || gracePeriod > PodDeletion.MAX_GRACE_SECONDS)) {
            errors.add(new ManifestError(
                    null,
                    0,
                    "--grace-period",
                    "must be 0.." + PodDeletion.MAX_GRACE_SECONDS + " seconds, got " + gracePeriod));
        }
        Map<ManifestKindHandler, List<Manifest>> grouped =
                manifests.readAndCheckForDelete(kinds, () -> System.in, errors);
        if (!errors.isEmpty()) {
            return ManifestOptions.rejected(err, errors, "nothing deleted");
        }
        List<ManifestKindHandler> order = new ArrayList<>(grouped.keySet());
        java.util.Collections.reverse(order);
        List<Outcome> deleted = new ArrayList<>();
        boolean failed = false;
        try {
            for (ManifestKindHandler handler : order) {
                for (Manifest manifest : grouped.get(handler)) {
                    try {
                        Outcome outcome = handler.delete(manifest, gracePeriod);
                        deleted.add(outcome);
                        if (!options.json()) {
                            out.println(outcome.deleted());
                            out.flush();
                        }
                    } catch (ServiceException e) {
                        if (e.status() == 0) {
                            throw e;
                        }
                        if (e.notFound() && ignoreNotFound) {
                            continue;
                        }
                        failed = true;
                        err.println("Error: " + describe(handler, manifest)
                                + (e.notFound() ? " not found" : ": " + e.getMessage()));
                        e.details().forEach(line -> err.println("  " + line));
                        err.flush();
                    }
                }
            }
        } finally {
            if (options.json()) {
                options.printJson(Map.of("results", deleted));
            }
        }
        return failed ? TendrilCommand.EXIT_ERROR : 0;
    }

    /** {@code networkpolicy.networking.k8s.io "deny" in namespace "demo"}, as kubectl names it. */
    private static String describe(ManifestKindHandler handler, Manifest manifest) {
        ManifestKind kind = handler.kinds().stream()
                .filter(k -> k.kind().equals(manifest.kind()))
                .findFirst()
                .orElseThrow();
        return kind.resource() + " \"" + manifest.name() + "\""
                + (kind.namespaced() ? " in namespace \"" + manifest.namespace() + "\"" : "");
    }
}
