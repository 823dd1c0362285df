package dev.tendril.policy.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.datapath.DropReason;
import dev.tendril.policy.domain.PolicyTracer.Party;
import dev.tendril.policy.manifest.ManifestParser;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The explanations of a trace, on an engine without any framework. */
class PolicyTracerTest {

    private static final Identity WEB = Identity.pod(1001, "demo", Map.of(), Map.of("app", "web"), "default");
    private static final Identity DB = Identity.pod(1002, "demo", Map.of(), Map.of("app", "db"), "default");

    private static PolicyEngine engine() {
        PolicyEngine engine = new PolicyEngine("default", 16384);
        engine.upsertIdentity(WEB);
        engine.upsertIdentity(DB);
        engine.apply(ManifestParser.parse("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: allow-web, namespace: demo}
                spec:
                  podSelector: {matchLabels: {app: db}}
                  ingress:
                  - from: [{podSelector: {matchLabels: {app: web}}}]
                    ports: [{port: 80}]
                """));
        return engine;
    }

    @Test
    void namesTheAllowingPolicyAndTheEnforcingOneOnDefaultDeny() {
        PolicyEngine engine = engine();
        Party web = new Party(WEB, "demo/web", false);
        Party db = new Party(DB, "demo/db", false);

        PolicyTracer.Trace allowed = PolicyTracer.trace(web, db, Protocol.TCP, 80, engine::subject);
        PolicyTracer.Trace denied = PolicyTracer.trace(web, db, Protocol.TCP, 81, engine::subject);

        assertThat(allowed.allowed()).isTrue();
        assertThat(allowed.ingress().explanation()).isEqualTo("allowed by NetworkPolicy/demo/allow-web");
        assertThat(allowed.egress().explanation()).isEqualTo("egress not enforced for demo/web: no policy selects it");
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.ingress().dropReason()).isEqualTo(DropReason.POLICY_DENIED);
        assertThat(denied.ingress().explanation())
                .startsWith("no policy selecting demo/db allows ingress from demo/web (")
                .endsWith("on 81/TCP; default deny from NetworkPolicy/demo/allow-web");
    }

    @Test
    void compilesAHypotheticalPartyOnTheFly() {
        PolicyEngine engine = engine();
        Identity newcomer = Identity.pod(
                PolicyTracer.unusedIdentity(engine), "demo", Map.of(), Map.of("app", "web", "v", "2"), "default");
        Map<Long, SubjectPolicy> compiled = PolicyTracer.compileWith(engine, newcomer, List.of(newcomer, DB));

        PolicyTracer.Trace trace = PolicyTracer.trace(
                new Party(newcomer, null, true),
                new Party(DB, "demo/db", false),
                Protocol.TCP,
                80,
                id -> Optional.ofNullable(compiled.get(id)));

        assertThat(trace.allowed()).isTrue();
        assertThat(trace.egress().explanation()).contains("egress not enforced for labels ");
    }

    @Test
    void loopbackIsAllowed() {
        PolicyTracer.Trace trace = PolicyTracer.loopback(new Party(DB, "demo/db", false));
        assertThat(trace.allowed()).isTrue();
        assertThat(trace.ingress().explanation()).contains("loopback");
    }
}
