package dev.tendril.identity.domain;

import static dev.tendril.eventstore.CommandRejectedException.Kind.NOT_FOUND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.eventstore.GivenWhenThen;
import dev.tendril.identity.domain.EndpointCommand.DeregisterEndpoint;
import dev.tendril.identity.domain.EndpointCommand.MarkEndpointTerminating;
import dev.tendril.identity.domain.EndpointCommand.RegisterEndpoint;
import dev.tendril.identity.domain.EndpointEvent.EndpointDeregistered;
import dev.tendril.identity.domain.EndpointEvent.EndpointRegistered;
import dev.tendril.identity.domain.EndpointEvent.EndpointTerminating;
import dev.tendril.identity.domain.EndpointEvent.EndpointUpdated;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EndpointDeciderTest {

    private final EndpointDecider decider = new EndpointDecider();
    private final EndpointSpec web = spec("web-1", List.of("10.0.1.5", "fd00::5"), Map.of("app", "web"));

    private static EndpointSpec spec(String pod, List<String> ips, Map<String, String> labels) {
        return EndpointSpec.of(
                "shop",
                pod,
                "uid-1",
                "node-1",
                ips,
                labels,
                "default",
                List.of(new NamedPort.Requested("http", 8080, "tcp")));
    }

    @Test
    void registersUpdatesAndDeregisters() {
        Endpoint first = new Endpoint(web, 300);
        Endpoint moved = new Endpoint(web, 301);
        GivenWhenThen.of(decider).given().when(new RegisterEndpoint(web, 300)).then(new EndpointRegistered(first));
        GivenWhenThen.of(decider)
                .given(new EndpointRegistered(first))
                .when(new RegisterEndpoint(web, 300))
                .thenNothing();
        GivenWhenThen.of(decider)
                .given(new EndpointRegistered(first))
                .when(new RegisterEndpoint(web, 301))
                .then(new EndpointUpdated(moved));
        GivenWhenThen.of(decider)
                .given(new EndpointRegistered(first))
                .when(new DeregisterEndpoint("shop", "web-1"))
                .then(new EndpointDeregistered(first));
        GivenWhenThen.of(decider)
                .given()
                .when(new DeregisterEndpoint("shop", "web-1"))
                .thenRejected(NOT_FOUND, "pod");
    }

    @Test
    void deregistersOnlyTheIncarnationWithTheGivenUid() {
        Endpoint registered = new Endpoint(web, 300);
        GivenWhenThen.of(decider)
                .given(new EndpointRegistered(registered))
                .when(new DeregisterEndpoint("shop", "web-1", web.uid()))
                .then(new EndpointDeregistered(registered));
        GivenWhenThen.of(decider)
                .given(new EndpointRegistered(registered))
                .when(new DeregisterEndpoint("shop", "web-1", "another-incarnation"))
                .thenRejected(NOT_FOUND, "uid");
    }

    @Test
    void marksTerminatingOnceKeepingIdentityAndAddresses() {
        Endpoint live = new Endpoint(web, 300);
        Endpoint terminating = new Endpoint(web, 300, true);
        GivenWhenThen.of(decider)
                .given(new EndpointRegistered(live))
                .when(new MarkEndpointTerminating("shop", "web-1", web.uid()))
                .then(new EndpointTerminating(terminating));
        GivenWhenThen.of(decider)
                .given(new EndpointRegistered(live), new EndpointTerminating(terminating))
                .when(new MarkEndpointTerminating("shop", "web-1", ""))
                .thenNothing();
        GivenWhenThen.of(decider)
                .given(new EndpointRegistered(live), new EndpointTerminating(terminating))
                .when(new DeregisterEndpoint("shop", "web-1", web.uid()))
                .then(new EndpointDeregistered(terminating));
    }

    @Test
    void refusesToMarkAnUnknownEndpointOrAnotherIncarnation() {
        GivenWhenThen.of(decider)
                .given()
                .when(new MarkEndpointTerminating("shop", "web-1", ""))
                .thenRejected(NOT_FOUND, "pod");
        GivenWhenThen.of(decider)
                .given(new EndpointRegistered(new Endpoint(web, 300)))
                .when(new MarkEndpointTerminating("shop", "web-1", "another-incarnation"))
                .thenRejected(NOT_FOUND, "uid");
    }

    @Test
    void aTerminatingIncarnationStaysTerminatingWhenRegisteredAgainAndANewOneIsLive() {
        Endpoint terminating = new Endpoint(web, 300, true);
        GivenWhenThen.of(decider)
                .given(new EndpointRegistered(new Endpoint(web, 300)), new EndpointTerminating(terminating))
                .when(new RegisterEndpoint(web, 300))
                .thenNothing();
        GivenWhenThen.of(decider)
                .given(new EndpointRegistered(new Endpoint(web, 300)), new EndpointTerminating(terminating))
                .when(new RegisterEndpoint(web, 301))
                .then(new EndpointUpdated(new Endpoint(web, 301, true)));
        EndpointSpec next = EndpointSpec.of(
                "shop", "web-1", "uid-2", "node-1", List.of("10.0.1.6"), Map.of("app", "web"), "default", List.of());
        GivenWhenThen.of(decider)
                .given(new EndpointRegistered(new Endpoint(web, 300)), new EndpointTerminating(terminating))
                .when(new RegisterEndpoint(next, 300))
                .then(new EndpointUpdated(new Endpoint(next, 300, false)));
    }

    @Test
    void keepsAddressesInCanonicalForm() {
        assertThat(web.ips()).isEqualTo(new IpAddresses("10.0.1.5", "fd00::5"));
        assertThat(IpAddresses.parse(List.of("FD00:0:0:0:0:0:0:1")).ipv6()).isEqualTo("fd00::1");
        assertThat(IpAddresses.parse(List.of("2001:db8:0:1:0:0:0:1")).ipv6()).isEqualTo("2001:db8:0:1::1");
        assertThat(web.namedPorts()).containsExactly(new NamedPort("http", 8080, "TCP"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "malformed IP          | shop | web | node-1 | 10.0.0.999         | ips[0]",
                "hostname as IP        | shop | web | node-1 | example.com        | ips[0]",
                "prefix as IP          | shop | web | node-1 | 10.0.0.0/24        | ips[0]",
                "two IPv4              | shop | web | node-1 | 10.0.0.1;10.0.0.2  | ips[1]",
                "empty pod             | shop | ''  | node-1 | 10.0.0.1           | pod",
                "bad pod               | shop | Web_1 | node-1 | 10.0.0.1         | pod",
                "bad namespace         | Shop | web | node-1 | 10.0.0.1           | namespace",
                "empty node            | shop | web | ''     | 10.0.0.1           | node",
            })
    void refusesBadInputNamingTheField(
            String name, String namespace, String pod, String node, String ips, String field) {
        assertThatThrownBy(() ->
                        EndpointSpec.of(namespace, pod, "u", node, List.of(ips.split(";")), Map.of(), "", List.of()))
                .isInstanceOfSatisfying(
                        CommandRejectedException.class,
                        e -> assertThat(e.field()).isEqualTo(field));
    }

    @Test
    void refusesBadLabelsAndPorts() {
        assertThatThrownBy(() -> EndpointSpec.of(
                        "shop", "web", "u", "n", List.of("10.0.0.1"), Map.of("a", "b c"), "", List.of()))
                .isInstanceOfSatisfying(
                        CommandRejectedException.class,
                        e -> assertThat(e.field()).isEqualTo("labels.a"));
        assertThatThrownBy(() -> NamedPort.of("http", 70000, "TCP"))
                .isInstanceOfSatisfying(
                        CommandRejectedException.class,
                        e -> assertThat(e.field()).isEqualTo("namedPorts.port"));
        assertThatThrownBy(() -> NamedPort.of("http", 80, "ICMP"))
                .isInstanceOfSatisfying(
                        CommandRejectedException.class,
                        e -> assertThat(e.field()).isEqualTo("namedPorts.protocol"));
    }
}
