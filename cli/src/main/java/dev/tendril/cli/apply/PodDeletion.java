package dev.tendril.cli.apply;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.agent.Agents;
import dev.tendril.cli.agent.Agents.Located;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.api.ServiceException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Deleting a pod on the agent that holds it ({@code DELETE /v1/endpoints/{ns}/{pod}?uid=}), at once or, like
 * {@code kubectl delete --grace-period}, with a grace period: the flag, else the manifest's
 * {@code spec.terminationGracePeriodSeconds}, else 0 (Tendril pods run no processes to stop). With one the pod is
 * Terminating until the agent removes it.
 */
final class PodDeletion {

    /** The agent's bound on a grace period (one year). */
    static final int MAX_GRACE_SECONDS = 365 * 24 * 3600;

    private static final String FIELD = "spec.terminationGracePeriodSeconds";

    private PodDeletion() {}

    /** The manifest's grace period, when it has one, is a whole number of seconds in range. */
    static void check(Manifest manifest, List<ManifestError> errors) {
        JsonNode grace = manifest.body().path("spec").path("terminationGracePeriodSeconds");
        if (grace.isMissingNode() || grace.isNull()) {
            return;
        }
        if (!grace.isIntegralNumber()
                || !grace.canConvertToInt()
                || grace.asInt() < 0
                || grace.asInt() > MAX_GRACE_SECONDS) {
            errors.add(manifest.error(
                    FIELD, "must be a whole number of seconds 0.." + MAX_GRACE_SECONDS + ", got " + grace));
        }
    }

    /** @param gracePeriodSeconds {@code --grace-period}, null when absent */
    static Outcome delete(Agents agents, Manifest manifest, Integer gracePeriodSeconds) {
        Located located = agents.locate(manifest.namespace(), manifest.name())
                .orElseThrow(() -> new ServiceException(
                        "pod " + manifest.namespace() + "/" + manifest.name() + " not found", 404, null));
        int grace = gracePeriodSeconds != null
                ? gracePeriodSeconds
                : manifest.body()
                        .path("spec")
                        .path("terminationGracePeriodSeconds")
                        .asInt(0);
        Map<String, String> query = new LinkedHashMap<>();
        query.put("uid", located.uid());
        if (grace > 0) {
            query.put("gracePeriodSeconds", Integer.toString(grace));
        }
        JsonNode answer = located.agent()
                .client()
                .delete(
                        "/v1/endpoints/" + ServiceClient.segment(manifest.namespace()) + "/"
                                + ServiceClient.segment(manifest.name()),
                        query);
        if (answer != null && answer.path("terminating").asBoolean(false)) {
            return PodHandler.outcome(
                    manifest,
                    "terminating (removed at " + answer.path("removeAt").asText() + ")");
        }
        agents.removed(located.agent(), manifest.namespace(), manifest.name());
        return PodHandler.outcome(manifest, "deleted");
    }
}
