package dev.tendril.agent.sim;

import java.util.List;

/** The NetworkPolicy manifests {@link ServicesChurnDriver} applies at the policy service, in namespace {@code seed}. */
final class ChurnManifests {

    private ChurnManifests() {}

    /**
     * Seed workload {@code w}'s policy: ingress from the {@code policyEntries - 1} workloads after it, one port each
     * (the maps {@link ChurnDriver}'s seed publishes: those entries and the allow-all egress).
     */
    static String seed(int w, ChurnDriver.Plan plan) {
        StringBuilder b = new StringBuilder("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata:
                  name: seed-%d
                  namespace: seed
                spec:
                  podSelector:
                    matchLabels:
                      app: app-%d
                  ingress:
                """.formatted(w, w));
        for (int e = 1; e < plan.policyEntries(); e++) {
            b.append("""
                    - from:
                      - podSelector:
                          matchLabels:
                            app: app-%d
                      ports:
                      - port: %d
                    """.formatted((w + e) % plan.seedIdentities(), 8000 + e).indent(2));
        }
        return b.toString();
    }

    /**
     * Policy change {@code j}: the workloads labelled {@code apps} allow ingress from anywhere on
     * {@link ChurnMarks#changePort}({@code j}), a single entry in each subject's map.
     */
    static String change(int j, List<String> apps) {
        return """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata:
                  name: change-%d
                  namespace: seed
                spec:
                  podSelector:
                    matchExpressions:
                    - key: app
                      operator: In
                      values: [%s]
                  ingress:
                  - ports:
                    - port: %d
                """.formatted(j, String.join(", ", apps), ChurnMarks.changePort(j));
    }
}
