package dev.tendril.policy.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tendril.datapath.policymap.Direction;
import dev.tendril.k8s.labels.LabelSelector;
import dev.tendril.net.Cidr;
import dev.tendril.policy.domain.CidrSet;
import dev.tendril.policy.domain.CiliumNetworkPolicy;
import dev.tendril.policy.domain.Entity;
import dev.tendril.policy.domain.NetworkPolicy;
import dev.tendril.policy.domain.Policy;
import dev.tendril.policy.domain.PolicyValidationException;
import dev.tendril.policy.domain.PortRule;
import dev.tendril.policy.domain.Protocol;
import dev.tendril.policy.domain.ValidationError;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ManifestParserTest {

    static final String VALID_NP = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: ok, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
              - from:
                - namespaceSelector: {matchLabels: {ns: y}}
                  podSelector: {matchExpressions: [{key: pod, operator: In, values: [b, c]}]}
                - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
                ports:
                - port: 80
                - {port: serve-81-tcp, protocol: UDP}
                - {port: 8080, endPort: 8090, protocol: SCTP}
            """;

    @Test
    void parsesANetworkPolicyIntoTheModel() {
        NetworkPolicy np = (NetworkPolicy) ManifestParser.parse(VALID_NP).getFirst();
        assertThat(np.ref().toString()).isEqualTo("NetworkPolicy/x/ok");
        assertThat(np.policyTypes()).isEmpty();
        assertThat(np.enforcedDirections()).containsExactly(Direction.INGRESS);
        var rule = np.ingress().getFirst();
        assertThat(rule.peers()).hasSize(2);
        assertThat(rule.peers().get(0)).isInstanceOf(NetworkPolicy.NetworkPolicyPeer.PodsInNamespaces.class);
        assertThat(rule.peers().get(1))
                .isEqualTo(new NetworkPolicy.NetworkPolicyPeer.IpBlock(
                        new CidrSet(Cidr.parse("10.0.0.0/8"), List.of(Cidr.parse("10.1.0.0/16")))));
        assertThat(rule.ports())
                .containsExactly(
                        PortRule.of(Protocol.TCP, 80),
                        PortRule.named(Protocol.UDP, "serve-81-tcp"),
                        PortRule.range(Protocol.SCTP, 8080, 8090));
    }

    @Test
    void parsesACiliumNetworkPolicyWithDefaultProtocolAnyAndL7Marked() {
        CiliumNetworkPolicy cnp =
                (CiliumNetworkPolicy) ManifestParser.parse("""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: cnp, namespace: y}
                spec:
                  endpointSelector: {matchLabels: {app: web, k8s:tier: fe}}
                  ingress:
                  - fromEntities: [cluster, host]
                    toPorts: [{ports: [{port: "80"}], rules: {http: [{method: GET}]}}]
                  egressDeny:
                  - toCIDRSet: [{cidr: 192.168.0.0/16, except: [192.168.1.0/24]}]
                """).getFirst();
        assertThat(cnp.endpointSelector().requirements())
                .containsExactly(
                        LabelSelector.Requirement.equal("any", "app", "web"),
                        LabelSelector.Requirement.equal("k8s", "tier", "fe"));
        assertThat(cnp.ingress().getFirst().entities()).containsExactly(Entity.CLUSTER, Entity.HOST);
        assertThat(cnp.ingress().getFirst().ports())
                .containsExactly(new PortRule(Protocol.ANY, new PortRule.Port.Number(80), 0, true));
        assertThat(cnp.enforcedDirections()).containsExactlyInAnyOrder(Direction.INGRESS, Direction.EGRESS);
    }

    @Test
    void readsManyYamlDocumentsAndSkipsEmptyOnes() {
        List<Policy> policies =
                ManifestParser.parse(VALID_NP + "---\n---\n" + VALID_NP.replace("name: ok", "name: ok2"));
        assertThat(policies).extracting(p -> p.ref().name()).containsExactly("ok", "ok2");
    }

    @Test
    void readsJsonObjectsArraysAndLists() {
        String one = """
                {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                 "metadata": {"name": "j1", "namespace": "x"},
                 "spec": {"podSelector": {}, "policyTypes": ["Egress"]}}
                """;
        String two = one.replace("j1", "j2");
        assertThat(ManifestParser.parse(one)).hasSize(1);
        assertThat(ManifestParser.parse(one + two)).hasSize(2);
        assertThat(ManifestParser.parse("[" + one + "," + two + "]")).hasSize(2);
        assertThat(ManifestParser.parse(
                        "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [" + one + "," + two + "]}"))
                .hasSize(2);
        assertThat(((NetworkPolicy) ManifestParser.parse(one).getFirst()).enforcedDirections())
                .isEqualTo(Set.of(Direction.EGRESS));
    }

    @Test
    void readsJsonDocumentsSeparatedByYamlDocumentMarkers() {
        String one = """
                {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                 "metadata": {"name": "j1", "namespace": "x"}, "spec": {"podSelector": {}}}
                """;
        assertThat(ManifestParser.parse(one + "---\n" + one.replace("j1", "j2")))
                .extracting(p -> p.ref().name())
                .containsExactly("j1", "j2");
        assertThat(ManifestParser.documents(one + "---\n" + one.replace("j1", "j2")))
                .hasSize(2);
    }

    record Bad(String name, String doc, String path, String reasonContains) {
        @Override
        public String toString() {
            return name;
        }
    }

    static String np(String spec) {
        return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bad, namespace: x}\nspec:\n"
                + spec.indent(2);
    }

    static String cnp(String spec) {
        return "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: bad, namespace: x}\nspec:\n"
                + spec.indent(2);
    }

    static Stream<Bad> badDocuments() {
        return Stream.of(
                new Bad(
                        "port out of range",
                        np("podSelector: {}\ningress: [{ports: [{port: 80}, {port: 70000}]}]"),
                        "spec.ingress[0].ports[1].port",
                        "1..65535"),
                new Bad(
                        "numeric string is not a port name",
                        np("podSelector: {}\ningress: [{ports: [{port: \"80\"}]}]"),
                        "spec.ingress[0].ports[0].port",
                        "IANA service name"),
                new Bad(
                        "unknown protocol",
                        np("podSelector: {}\negress: [{ports: [{port: 80, protocol: ICMP}]}]"),
                        "spec.egress[0].ports[0].protocol",
                        "TCP, UDP or SCTP"),
                new Bad(
                        "ANY is Cilium only",
                        np("podSelector: {}\negress: [{ports: [{port: 80, protocol: ANY}]}]"),
                        "spec.egress[0].ports[0].protocol",
                        "TCP, UDP or SCTP"),
                new Bad(
                        "endPort below port",
                        np("podSelector: {}\ningress: [{ports: [{port: 90, endPort: 80}]}]"),
                        "spec.ingress[0].ports[0].endPort",
                        "between port"),
                new Bad(
                        "endPort with a named port",
                        np("podSelector: {}\ningress: [{ports: [{port: web, endPort: 90}]}]"),
                        "spec.ingress[0].ports[0].endPort",
                        "numeric port"),
                new Bad(
                        "ipBlock with a selector",
                        np("podSelector: {}\ningress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]"),
                        "spec.ingress[0].from[0]",
                        "may not specify ipBlock"),
                new Bad(
                        "empty peer",
                        np("podSelector: {}\ningress: [{from: [{}]}]"),
                        "spec.ingress[0].from[0]",
                        "must specify a peer"),
                new Bad(
                        "except outside the cidr",
                        np(
                                "podSelector: {}\ningress: [{from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}}]}]"),
                        "spec.ingress[0].from[0].ipBlock.except[0]",
                        "strictly within"),
                new Bad(
                        "bad cidr",
                        np("podSelector: {}\ningress: [{from: [{ipBlock: {cidr: 10.0.0.300/8}}]}]"),
                        "spec.ingress[0].from[0].ipBlock.cidr",
                        "not"),
                new Bad(
                        "unknown operator",
                        np("podSelector: {matchExpressions: [{key: pod, operator: Equals, values: [a]}]}"),
                        "spec.podSelector.matchExpressions[0].operator",
                        "In, NotIn, Exists or DoesNotExist"),
                new Bad(
                        "In without values",
                        np("podSelector: {matchExpressions: [{key: pod, operator: In}]}"),
                        "spec.podSelector.matchExpressions[0].values",
                        "non-empty"),
                new Bad(
                        "Exists with values",
                        np("podSelector: {matchExpressions: [{key: pod, operator: Exists, values: [a]}]}"),
                        "spec.podSelector.matchExpressions[0].values",
                        "must be empty"),
                new Bad(
                        "bad label key",
                        np("podSelector: {matchLabels: {\"-bad\": a}}"),
                        "spec.podSelector.matchLabels.-bad",
                        "invalid label key"),
                new Bad(
                        "bad label value",
                        np("podSelector: {matchLabels: {pod: \"a b\"}}"),
                        "spec.podSelector.matchLabels.pod",
                        "invalid label value"),
                new Bad(
                        "unknown policy type",
                        np("podSelector: {}\npolicyTypes: [Ingress, Sideways]"),
                        "spec.policyTypes[1]",
                        "Ingress or Egress"),
                new Bad(
                        "duplicate policy type",
                        np("podSelector: {}\npolicyTypes: [Egress, Egress]"),
                        "spec.policyTypes[1]",
                        "duplicate"),
                new Bad("unknown field", np("podSelector: {}\ningres: []"), "spec.ingres", "unknown field"),
                new Bad(
                        "missing name",
                                "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {namespace: x}\nspec: {podSelector: {}}",
                        "metadata.name", "required"),
                new Bad(
                        "bad namespace",
                                "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a, namespace: X_Y}\nspec: {podSelector: {}}",
                        "metadata.namespace", "DNS-1123"),
                new Bad(
                        "unknown kind",
                        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n",
                        "kind",
                        "NetworkPolicy or CiliumNetworkPolicy"),
                new Bad(
                        "wrong apiVersion",
                                "apiVersion: networking.k8s.io/v1beta1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec: {podSelector: {}}",
                        "apiVersion", "networking.k8s.io/v1"),
                new Bad(
                        "CNP unknown entity",
                        cnp("endpointSelector: {}\ningress: [{fromEntities: [everything]}]"),
                        "spec.ingress[0].fromEntities[0]",
                        "unknown entity"),
                new Bad(
                        "CNP L7 in a deny rule",
                        cnp(
                                "endpointSelector: {}\ningressDeny: [{toPorts: [{ports: [{port: \"80\"}], rules: {http: [{}]}}]}]"),
                        "spec.ingressDeny[0].toPorts[0].rules",
                        "not allowed in deny rules"),
                new Bad(
                        "CNP toFQDNs not supported yet",
                        cnp("endpointSelector: {}\negress: [{toFQDNs: [{matchName: example.com}]}]"),
                        "spec.egress[0].toFQDNs",
                        "not supported"),
                new Bad(
                        "CNP missing endpointSelector",
                        cnp("ingress: [{fromEntities: [world]}]"),
                        "spec.endpointSelector",
                        "required"),
                new Bad(
                        "CNP ANY protocol typo",
                        cnp("endpointSelector: {}\ningress: [{toPorts: [{ports: [{port: \"80\", protocol: any}]}]}]"),
                        "spec.ingress[0].toPorts[0].ports[0].protocol",
                        "TCP, UDP, SCTP or ANY"),
                new Bad(
                        "NP without podSelector",
                        np("ingress: [{from: [{podSelector: {}}]}]"),
                        "spec.podSelector",
                        "required"),
                new Bad("NP with an empty spec", np("{}"), "spec.podSelector", "required"),
                new Bad("NP with a null podSelector", np("podSelector: null"), "spec.podSelector", "required"),
                new Bad("NP podSelector not a selector", np("podSelector: all"), "spec.podSelector", "label selector"),
                new Bad(
                        "port not an integer",
                        np("podSelector: {}\ningress: [{ports: [{port: 80.5}]}]"),
                        "spec.ingress[0].ports[0].port",
                        "port number"),
                new Bad(
                        "lower-case protocol",
                        np("podSelector: {}\ningress: [{ports: [{port: 80, protocol: tcp}]}]"),
                        "spec.ingress[0].ports[0].protocol",
                        "TCP, UDP or SCTP"),
                new Bad(
                        "endPort above 65535",
                        np("podSelector: {}\ningress: [{ports: [{port: 80, endPort: 70000}]}]"),
                        "spec.ingress[0].ports[0].endPort",
                        "65535"),
                new Bad(
                        "endPort without port",
                        np("podSelector: {}\ningress: [{ports: [{endPort: 90}]}]"),
                        "spec.ingress[0].ports[0].endPort",
                        "numeric port"),
                new Bad(
                        "ports not a list",
                        np("podSelector: {}\ningress: [{ports: {port: 80}}]"),
                        "spec.ingress[0].ports",
                        "must be a list"),
                new Bad(
                        "ipBlock cidr without a prefix length",
                        np("podSelector: {}\negress: [{to: [{ipBlock: {cidr: 10.0.0.1}}]}]"),
                        "spec.egress[0].to[0].ipBlock.cidr",
                        "CIDR"),
                new Bad(
                        "ipBlock cidr prefix too long",
                        np("podSelector: {}\negress: [{to: [{ipBlock: {cidr: 10.0.0.0/33}}]}]"),
                        "spec.egress[0].to[0].ipBlock.cidr",
                        "0..32"),
                new Bad(
                        "ipBlock cidr garbage",
                        np("podSelector: {}\negress: [{to: [{ipBlock: {cidr: \"---/0\"}}]}]"),
                        "spec.egress[0].to[0].ipBlock.cidr",
                        "CIDR"),
                new Bad(
                        "ipBlock cidr with a signed prefix length",
                        np("podSelector: {}\negress: [{to: [{ipBlock: {cidr: \"10.0.0.0/+8\"}}]}]"),
                        "spec.egress[0].to[0].ipBlock.cidr",
                        "prefix length"),
                new Bad(
                        "ipBlock except without a prefix length",
                        np("podSelector: {}\negress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.1]}}]}]"),
                        "spec.egress[0].to[0].ipBlock.except[0]",
                        "CIDR"),
                new Bad(
                        "ipBlock except of another family",
                        np(
                                "podSelector: {}\negress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [\"2001:db8::/64\"]}}]}]"),
                        "spec.egress[0].to[0].ipBlock.except[0]",
                        "strictly within"),
                new Bad(
                        "ipBlock without cidr",
                        np("podSelector: {}\negress: [{to: [{ipBlock: {except: [10.0.0.0/16]}}]}]"),
                        "spec.egress[0].to[0].ipBlock.cidr",
                        "required"),
                new Bad(
                        "matchExpressions values not a list",
                        np("podSelector: {matchExpressions: [{key: pod, operator: Exists, values: a}]}"),
                        "spec.podSelector.matchExpressions[0].values",
                        "must be a list"),
                new Bad(
                        "matchExpressions value not a string",
                        np("podSelector: {matchExpressions: [{key: pod, operator: In, values: [1]}]}"),
                        "spec.podSelector.matchExpressions[0].values[0]",
                        "must be a string"),
                new Bad(
                        "matchExpressions without key",
                        np("podSelector: {matchExpressions: [{operator: Exists}]}"),
                        "spec.podSelector.matchExpressions[0].key",
                        "required"),
                new Bad(
                        "matchExpressions without operator",
                        np("podSelector: {matchExpressions: [{key: pod}]}"),
                        "spec.podSelector.matchExpressions[0].operator",
                        "In, NotIn, Exists or DoesNotExist"),
                new Bad(
                        "matchExpressions key with a space",
                        np("podSelector: {matchExpressions: [{key: \"bad key\", operator: Exists}]}"),
                        "spec.podSelector.matchExpressions[0].key",
                        "invalid label key"),
                new Bad(
                        "namespaceSelector label key with a space",
                        np(
                                "podSelector: {}\ningress: [{from: [{namespaceSelector: {matchLabels: {\"bad key\": x}}}]}]"),
                        "spec.ingress[0].from[0].namespaceSelector.matchLabels.bad key",
                        "invalid label key"),
                new Bad(
                        "CNP toCIDR garbage",
                        cnp("endpointSelector: {}\negress: [{toCIDR: [\"---/0\"]}]"),
                        "spec.egress[0].toCIDR[0]",
                        "CIDR"),
                new Bad(
                        "CNP toCIDR prefix too long",
                        cnp("endpointSelector: {}\negress: [{toCIDR: [10.0.0.0/33]}]"),
                        "spec.egress[0].toCIDR[0]",
                        "0..32"),
                new Bad(
                        "CNP fromCIDR not an address",
                        cnp("endpointSelector: {}\ningress: [{fromCIDR: [999.999.999.999/99]}]"),
                        "spec.ingress[0].fromCIDR[0]",
                        "not"),
                new Bad(
                        "CNP toCIDRSet except outside",
                        cnp(
                                "endpointSelector: {}\negress: [{toCIDRSet: [{cidr: 10.0.0.0/16, except: [10.1.0.0/24]}]}]"),
                        "spec.egress[0].toCIDRSet[0].except[0]",
                        "strictly within"),
                new Bad(
                        "CNP port out of range",
                        cnp("endpointSelector: {}\ningress: [{toPorts: [{ports: [{port: \"70000\"}]}]}]"),
                        "spec.ingress[0].toPorts[0].ports[0].port",
                        "1..65535"),
                new Bad(
                        "CNP endPort below port",
                        cnp("endpointSelector: {}\ningress: [{toPorts: [{ports: [{port: \"90\", endPort: 80}]}]}]"),
                        "spec.ingress[0].toPorts[0].ports[0].endPort",
                        "between port"),
                new Bad(
                        "CNP unknown protocol",
                        cnp("endpointSelector: {}\ningress: [{toPorts: [{ports: [{port: \"80\", protocol: ICMP}]}]}]"),
                        "spec.ingress[0].toPorts[0].ports[0].protocol",
                        "TCP, UDP, SCTP or ANY"),
                new Bad(
                        "CNP bad label key in fromEndpoints",
                        cnp("endpointSelector: {}\ningress: [{fromEndpoints: [{matchLabels: {\"bad key\": x}}]}]"),
                        "spec.ingress[0].fromEndpoints[0].matchLabels.bad key",
                        "invalid label key"),
                new Bad(
                        "CNP bad operator",
                        cnp("endpointSelector: {matchExpressions: [{key: app, operator: Is, values: [a]}]}"),
                        "spec.endpointSelector.matchExpressions[0].operator",
                        "In, NotIn, Exists or DoesNotExist"),
                new Bad(
                        "CNP endpointSelector not a selector",
                        cnp("endpointSelector: []"),
                        "spec.endpointSelector",
                        "label selector"),
                new Bad(
                        "CNP null endpointSelector",
                        cnp("endpointSelector: null"),
                        "spec.endpointSelector",
                        "required"),
                new Bad(
                        "CNP fromEntities not a list",
                        cnp("endpointSelector: {}\ningress: [{fromEntities: world}]"),
                        "spec.ingress[0].fromEntities",
                        "must be a list"),
                new Bad(
                        "CNP specs not supported",
                                "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: a}\nspecs: []",
                        "specs", "not supported"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badDocuments")
    void aBadDocumentRejectsTheWholeInputNamingDocumentPathAndReason(Bad bad) {
        String input = VALID_NP + "---\n" + bad.doc();
        PolicyValidationException e =
                catchThrowableOfType(PolicyValidationException.class, () -> ManifestParser.parse(input));
        assertThat(e).as("no rejection for %s", bad.name()).isNotNull();
        assertThat(e.errors()).as("errors").anySatisfy(err -> {
            assertThat(err.document()).isEqualTo(1);
            assertThat(err.path()).isEqualTo(bad.path());
            assertThat(err.reason()).contains(bad.reasonContains());
        });
        assertThat(e.errors()).allSatisfy(err -> assertThat(err.document()).isEqualTo(1));
    }

    @Test
    void reportsEveryErrorOfEveryDocument() {
        String input = np("podSelector: {}\ningress: [{ports: [{port: 0}, {port: 80, protocol: XDP}]}]") + "---\n"
                + cnp("endpointSelector: {}\negress: [{toEntities: [moon]}]");
        PolicyValidationException e =
                catchThrowableOfType(PolicyValidationException.class, () -> ManifestParser.parse(input));
        assertThat(e.errors())
                .containsExactly(
                        new ValidationError(0, "spec.ingress[0].ports[0].port", "must be 1..65535, got 0"),
                        new ValidationError(
                                0, "spec.ingress[0].ports[1].protocol", "must be TCP, UDP or SCTP, got 'XDP'"),
                        new ValidationError(
                                1,
                                "spec.egress[0].toEntities[0]",
                                "unknown entity 'moon'; one of all, world, "
                                        + "cluster, host, remote-node, kube-apiserver, health, init, ingress, unmanaged, none"));
        assertThat(e.getMessage()).contains("document 0: spec.ingress[0].ports[0].port");
    }

    @Test
    void malformedYamlNamesTheDocument() {
        PolicyValidationException e = catchThrowableOfType(
                PolicyValidationException.class, () -> ManifestParser.parse(VALID_NP + "---\nspec: [unclosed\n"));
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.document()).isEqualTo(1);
            assertThat(err.reason()).startsWith("malformed YAML");
        });
    }

    @Test
    void duplicatePolicyInOneInputIsRejected() {
        PolicyValidationException e = catchThrowableOfType(
                PolicyValidationException.class, () -> ManifestParser.parse(VALID_NP + "---\n" + VALID_NP));
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.document()).isEqualTo(1);
            assertThat(err.path()).isEqualTo("metadata.name");
            assertThat(err.reason()).contains("duplicate of document 0");
        });
    }
}
