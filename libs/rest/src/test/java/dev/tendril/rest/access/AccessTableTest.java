package dev.tendril.rest.access;

import static dev.tendril.rest.access.Requirement.anyOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.security.Subject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The decisions of an access table, one named case per row of docs/security.md's shared rows. */
class AccessTableTest {

    private static final AccessTable TABLE = AccessTable.builder()
            .allow("POST", "/v1/trace", anyOf(Role.VIEWER))
            .grpc("tendril.v1.Ipam", "AllocatePodIps", anyOf(Role.OPERATOR, Role.NODE))
            .grpc("observer.Observer", "*", anyOf(Role.VIEWER))
            .withCommonRows();

    record Case(String name, String caller, String method, String path, boolean grpc, String outcome) {}

    private static final List<Case> CASES = List.of(
            new Case("health open", null, "GET", "/q/health/ready", false, "permit"),
            new Case("health root open", null, "GET", "/q/health", false, "permit"),
            new Case("grpc health open", null, "POST", "/grpc.health.v1.Health/Check", true, "permit"),
            new Case("metrics need a certificate", null, "GET", "/q/metrics", false, "401"),
            new Case("metrics for viewers", "CN=prom,O=viewer", "GET", "/q/metrics", false, "permit"),
            new Case("metrics not for nodes", "CN=node:n1,O=node", "GET", "/q/metrics", false, "403"),
            new Case("reads for viewers", "CN=v,O=viewer", "GET", "/v1/policies", false, "permit"),
            new Case("reads for operators", "CN=o,O=operator", "HEAD", "/v1/policies", false, "permit"),
            new Case("writes not for viewers", "CN=v,O=viewer", "DELETE", "/v1/policies/a/b/c", false, "403"),
            new Case("writes for operators", "CN=o,O=operator", "PUT", "/v1/policies", false, "permit"),
            new Case("writes for admins", "CN=a,O=admin", "PUT", "/v1/policies", false, "permit"),
            new Case("a trace is a read", "CN=v,O=viewer", "POST", "/v1/trace", false, "permit"),
            new Case(
                    "agent grpc for nodes",
                    "CN=node:n1,O=node",
                    "POST",
                    "/tendril.v1.Ipam/AllocatePodIps",
                    true,
                    "permit"),
            new Case(
                    "agent grpc not for viewers",
                    "CN=v,O=viewer",
                    "POST",
                    "/tendril.v1.Ipam/AllocatePodIps",
                    true,
                    "403"),
            new Case(
                    "unlisted grpc is admin's",
                    "CN=o,O=operator",
                    "POST",
                    "/tendril.v1.Ipam/DeregisterNode",
                    true,
                    "403"),
            new Case("every observer method", "CN=v,O=viewer", "POST", "/observer.Observer/GetFlows", true, "permit"),
            new Case("dev paths are admin's", "CN=o,O=operator", "GET", "/q/dev-ui", false, "403"),
            new Case("admin has everything", "CN=a,O=admin", "GET", "/q/dev-ui", false, "permit"),
            new Case("an unknown O holds no role", "CN=x,O=wheel", "GET", "/v1/policies", false, "403"),
            new Case("services do not read", "CN=service:policy,O=service", "GET", "/v1/policies", false, "403"));

    @Test
    void decidesEveryCase() {
        for (Case c : CASES) {
            Caller caller = c.caller() == null ? Caller.anonymous() : Caller.fromDistinguishedName(c.caller());
            Decision decision = TABLE.decide(caller, c.method(), c.path(), c.grpc());
            String outcome = switch (decision) {
                case Decision.Permit p -> "permit";
                case Decision.Unauthenticated u -> "401";
                case Decision.Forbidden f -> "403";
            };
            assertThat(outcome).as(c.name()).isEqualTo(c.outcome());
        }
    }

    /** gRPC requirements are remembered per path: asking again, in any order, decides as the first time. */
    @Test
    void decidesEveryCaseAgainInAnyOrder() {
        for (int round = 0; round < 3; round++) {
            decidesEveryCase();
            for (Case c : CASES.reversed()) {
                Caller caller = c.caller() == null ? Caller.anonymous() : Caller.fromDistinguishedName(c.caller());
                assertThat(TABLE.decide(caller, c.method(), c.path(), c.grpc()) instanceof Decision.Permit)
                        .as(c.name())
                        .isEqualTo(c.outcome().equals("permit"));
            }
        }
    }

    /** A gRPC row is for POST: another method to the same path after a POST is not let in by the POST's row. */
    @Test
    void aRememberedGrpcRowStaysThePostsOnly() {
        Caller node = Caller.fromDistinguishedName("CN=node:n1,O=node");
        assertThat(TABLE.decide(node, "POST", "/tendril.v1.Ipam/AllocatePodIps", true))
                .isInstanceOf(Decision.Permit.class);
        assertThat(TABLE.decide(node, "GET", "/tendril.v1.Ipam/AllocatePodIps", true))
                .isInstanceOf(Decision.Forbidden.class);
    }

    @Test
    void refusalsNameWhatIsMissing() {
        assertThat(TABLE.decide(Caller.anonymous(), "PUT", "/v1/policies", false))
                .isEqualTo(new Decision.Unauthenticated("no client certificate: PUT /v1/policies needs a certificate"
                        + " issued by this stack's authority with role operator or admin (its O)"));
        assertThat(TABLE.decide(Caller.fromDistinguishedName("CN=alice,O=viewer"), "DELETE", "/v1/x", false))
                .isEqualTo(new Decision.Forbidden(
                        "DELETE /v1/x needs role operator or admin; CN=alice (role viewer) may not"));
        assertThat(TABLE.decide(
                        Caller.fromDistinguishedName("CN=v,O=viewer"), "POST", "/tendril.v1.Ipam/AllocatePodIps", true))
                .isEqualTo(
                        new Decision.Forbidden(
                                "gRPC tendril.v1.Ipam/AllocatePodIps needs role operator, admin or node; CN=v (role viewer) may not"));
    }

    @Test
    void callersComeFromTheCertificateSubject() {
        Caller node = Caller.fromDistinguishedName(Subject.node("node-1").distinguishedName());
        assertThat(node.role()).isEqualTo(Role.NODE);
        assertThat(node.node()).contains("node-1");
        assertThat(Caller.fromDistinguishedName("CN=node:node-1,O=viewer").node())
                .isEmpty();
        assertThat(Caller.fromDistinguishedName(Subject.user("bob", "operator").distinguishedName()))
                .isEqualTo(new Caller("bob", Role.OPERATOR, true));
        assertThat(Caller.anonymous().authenticated()).isFalse();
    }

    @Test
    void roleNamesAreTheOnesLibsSecurityIssues() {
        assertThat(List.of(Role.values()).stream().map(Role::certificateName))
                .containsExactly(
                        Subject.ROLE_VIEWER,
                        Subject.ROLE_OPERATOR,
                        Subject.ROLE_ADMIN,
                        Subject.ROLE_NODE,
                        Subject.ROLE_SERVICE);
    }

    @Test
    void aNodeActsOnlyOnItsOwnNode() {
        Caller node1 = Caller.fromDistinguishedName("CN=node:node-1,O=node");
        NodeScopeException.requireOwnNode(node1, "node-1", "node");
        NodeScopeException.requireOwnNode(Caller.fromDistinguishedName("CN=o,O=operator"), "node-2", "node");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> NodeScopeException.requireOwnNode(node1, "node-2", "node"))
                .isInstanceOf(NodeScopeException.class)
                .hasMessage("CN=node:node-1 may act only on its own node node-1, not on 'node-2'");
    }
}
