package dev.tendril.cli.apply;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What happened to one object: {@code created}, {@code configured}, {@code unchanged} or {@code deleted}.
 *
 * @param namespace null for cluster-scoped kinds
 * @param revision  the policy revision the change produced, when the service reports one
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Outcome(
        String kind,
        String namespace,
        String name,
        String result,
        Long revision,
        @JsonIgnore String resource) {

    /** kubectl's line for apply: {@code networkpolicy.networking.k8s.io/default-deny-ingress created}. */
    public String applied(boolean dryRun) {
        return resource + "/" + name + " " + result + (dryRun ? " (dry run)" : "");
    }

    /** kubectl's line for delete: {@code namespace "demo" deleted}. */
    public String deleted() {
        return resource + " \"" + name + "\" " + result;
    }
}
