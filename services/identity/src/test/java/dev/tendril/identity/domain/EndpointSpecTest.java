package dev.tendril.identity.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.eventstore.CommandRejectedException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every part of an endpoint request is checked before an event can hold it; refusals name the JSON path. */
class EndpointSpecTest {

    /** A valid request, changed by each case. */
    private static final class Request {
        String namespace = "shop";
        String pod = "web-1";
        String uid = "0f3c9a6e-5d2b-4c1e-9f7a-2b8d4e6f1a3c";
        String node = "node-1";
        List<String> ips = new ArrayList<>(List.of("10.0.1.5", "fd00::5"));
        Map<String, String> labels = new HashMap<>(Map.of("app", "web"));
        String serviceAccount = "default";
        List<NamedPort.Requested> namedPorts = new ArrayList<>(List.of(new NamedPort.Requested("http", 8080, "TCP")));

        EndpointSpec spec() {
            return EndpointSpec.of(namespace, pod, uid, node, ips, labels, serviceAccount, namedPorts);
        }
    }

    private static Arguments refused(String name, String field, Consumer<Request> change) {
        return Arguments.of(name, field, change);
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                refused("namespace not a DNS label", "namespace", r -> r.namespace = "Shop"),
                refused("namespace too long", "namespace", r -> r.namespace = "n".repeat(64)),
                refused("pod missing", "pod", r -> r.pod = null),
                refused("pod with underscore", "pod", r -> r.pod = "web_1"),
                refused("pod too long", "pod", r -> r.pod = "p".repeat(254)),
                refused("uid missing", "uid", r -> r.uid = null),
                refused("uid empty", "uid", r -> r.uid = ""),
                refused("uid of 5000 characters", "uid", r -> r.uid = "u".repeat(5000)),
                refused("uid of 129 characters", "uid", r -> r.uid = "u".repeat(129)),
                refused("uid with newline", "uid", r -> r.uid = "abc\ndef"),
                refused("uid with markup", "uid", r -> r.uid = "<b>x</b>"),
                refused("uid with NUL", "uid", r -> r.uid = "abc\u0000def"),
                refused("uid with space", "uid", r -> r.uid = "abc def"),
                refused("node missing", "node", r -> r.node = null),
                refused("node with NUL", "node", r -> r.node = "node\u00001"),
                refused("no ips", "ips", r -> r.ips = List.of()),
                refused("ips missing", "ips", r -> r.ips = null),
                refused("null ip", "ips[0]", r -> r.ips = Arrays.asList((String) null)),
                refused("null second ip", "ips[1]", r -> r.ips = Arrays.asList("10.0.0.1", null)),
                refused("unspecified v4", "ips[0]", r -> r.ips = List.of("0.0.0.0")),
                refused("unspecified v6", "ips[1]", r -> r.ips = List.of("10.0.0.1", "::")),
                refused("broadcast", "ips[0]", r -> r.ips = List.of("255.255.255.255")),
                refused("multicast v4", "ips[0]", r -> r.ips = List.of("239.1.2.3")),
                refused("multicast v6", "ips[0]", r -> r.ips = List.of("ff05::2")),
                refused("loopback v4", "ips[0]", r -> r.ips = List.of("127.0.0.2")),
                refused("loopback v6", "ips[0]", r -> r.ips = List.of("::1")),
                refused("link-local v4", "ips[0]", r -> r.ips = List.of("169.254.10.1")),
                refused("link-local v6", "ips[0]", r -> r.ips = List.of("fe80::1")),
                refused("leading zero octet", "ips[0]", r -> r.ips = List.of("010.0.0.65")),
                refused("shorthand v4", "ips[0]", r -> r.ips = List.of("10.1")),
                refused("decimal v4", "ips[0]", r -> r.ips = List.of("167772161")),
                refused("v4 with spaces", "ips[0]", r -> r.ips = List.of(" 10.0.0.1")),
                refused("v6 with zone", "ips[0]", r -> r.ips = List.of("fd00::1%eth0")),
                refused("v4-mapped v6", "ips[0]", r -> r.ips = List.of("::ffff:10.0.0.1")),
                refused("embedded v4 with leading zero", "ips[0]", r -> r.ips = List.of("64:ff9b::010.0.0.1")),
                refused("two v6", "ips[1]", r -> r.ips = List.of("fd00::1", "fd00::2")),
                refused("null label value", "labels.app", r -> r.labels.put("app", null)),
                refused("null label key", "labels", r -> r.labels.put(null, "x")),
                refused("empty label key", "labels", r -> r.labels.put("", "x")),
                refused("label name of 64", "labels", r -> r.labels.put("k".repeat(64), "v")),
                refused("label prefix segment of 64", "labels", r -> r.labels.put("a".repeat(64) + ".io/k", "v")),
                refused("label prefix of 254", "labels", r -> r.labels.put("a.".repeat(126) + "ab/k", "v")),
                refused("label prefix upper case", "labels", r -> r.labels.put("Example.com/k", "v")),
                refused("label value of 64", "labels.tier", r -> r.labels.put("tier", "v".repeat(64))),
                refused("label value with NUL", "labels.tier", r -> r.labels.put("tier", "a\u0000b")),
                refused("label value with markup", "labels.tier", r -> r.labels.put("tier", "<x>")),
                refused("service account upper case", "serviceAccount", r -> r.serviceAccount = "Default"),
                refused("service account with NUL", "serviceAccount", r -> r.serviceAccount = "sa\u0000"),
                refused("null named port", "namedPorts[1]", r -> r.namedPorts.add(null)),
                refused(
                        "named port without name",
                        "namedPorts[0].name",
                        r -> r.namedPorts.set(0, new NamedPort.Requested(null, 80, "TCP"))),
                refused(
                        "named port name of 16",
                        "namedPorts[0].name",
                        r -> r.namedPorts.set(0, new NamedPort.Requested("a".repeat(16), 80, "TCP"))),
                refused(
                        "named port name without letter",
                        "namedPorts[0].name",
                        r -> r.namedPorts.set(0, new NamedPort.Requested("8080", 80, "TCP"))),
                refused(
                        "named port name with --",
                        "namedPorts[0].name",
                        r -> r.namedPorts.set(0, new NamedPort.Requested("a--b", 80, "TCP"))),
                refused(
                        "named port upper case",
                        "namedPorts[0].name",
                        r -> r.namedPorts.set(0, new NamedPort.Requested("HTTP", 80, "TCP"))),
                refused(
                        "named port without port",
                        "namedPorts[0].port",
                        r -> r.namedPorts.set(0, new NamedPort.Requested("http", null, "TCP"))),
                refused(
                        "named port 0",
                        "namedPorts[0].port",
                        r -> r.namedPorts.set(0, new NamedPort.Requested("http", 0, "TCP"))),
                refused(
                        "named port 65536",
                        "namedPorts[0].port",
                        r -> r.namedPorts.set(0, new NamedPort.Requested("http", 65536, "TCP"))),
                refused(
                        "named port ICMP",
                        "namedPorts[0].protocol",
                        r -> r.namedPorts.set(0, new NamedPort.Requested("http", 80, "ICMP"))),
                refused(
                        "named port twice",
                        "namedPorts[1].name",
                        r -> r.namedPorts.add(new NamedPort.Requested("http", 81, "UDP"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusesInvalidInputNamingTheField(String name, String field, Consumer<Request> change) {
        Request request = new Request();
        change.accept(request);
        assertThatThrownBy(request::spec).isInstanceOfSatisfying(CommandRejectedException.class, e -> {
            assertThat(e.kind()).isEqualTo(CommandRejectedException.Kind.INVALID);
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.reason()).doesNotContain("\u0000").doesNotContain("\n").hasSizeLessThan(400);
        });
    }

    static Stream<Arguments> acceptances() {
        return Stream.of(
                Arguments.of("the valid request", (Consumer<Request>) r -> {}),
                Arguments.of("v4 only", (Consumer<Request>) r -> r.ips = List.of("10.0.0.1")),
                Arguments.of("v6 only", (Consumer<Request>) r -> r.ips = List.of("2001:db8::1")),
                Arguments.of("zero octets", (Consumer<Request>) r -> r.ips = List.of("10.0.0.0")),
                Arguments.of("no labels", (Consumer<Request>) r -> r.labels = null),
                Arguments.of("empty label value", (Consumer<Request>) r -> r.labels.put("flag", "")),
                Arguments.of(
                        "prefixed label key", (Consumer<Request>) r -> r.labels.put("app.kubernetes.io/name", "web")),
                Arguments.of("label name of 63", (Consumer<Request>) r -> r.labels.put("k".repeat(63), "v".repeat(63))),
                Arguments.of("no service account", (Consumer<Request>) r -> r.serviceAccount = null),
                Arguments.of("no named ports", (Consumer<Request>) r -> r.namedPorts = null),
                Arguments.of("protocol defaults to TCP", (Consumer<Request>)
                        r -> r.namedPorts.set(0, new NamedPort.Requested("dns", 53, null))),
                Arguments.of("uid with dots", (Consumer<Request>) r -> r.uid = "pod.uid_1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("acceptances")
    void acceptsValidInput(String name, Consumer<Request> change) {
        Request request = new Request();
        change.accept(request);
        assertThat(request.spec().key()).isEqualTo("shop/web-1");
    }

    @Test
    void keepsOneSpellingPerAddressAndDefaultsTheProtocol() {
        Request request = new Request();
        request.ips = List.of("FD00:0:0:0:0:0:0:1", "10.0.0.7");
        request.namedPorts =
                List.of(new NamedPort.Requested("dns", 53, "udp"), new NamedPort.Requested("http", 80, ""));
        EndpointSpec spec = request.spec();
        assertThat(spec.ips()).isEqualTo(new IpAddresses("10.0.0.7", "fd00::1"));
        assertThat(spec.namedPorts())
                .containsExactly(new NamedPort("dns", 53, "UDP"), new NamedPort("http", 80, "TCP"));
        assertThat(spec.serviceAccount()).isEqualTo("default");
    }

    @Test
    void namespacesRefuseNullLabelValuesNamingTheKey() {
        Map<String, String> labels = new HashMap<>();
        labels.put("team", null);
        assertThatThrownBy(() -> Namespace.of("shop", labels))
                .isInstanceOfSatisfying(
                        CommandRejectedException.class,
                        e -> assertThat(e.field()).isEqualTo("labels.team"));
        assertThatThrownBy(() -> Namespace.of("shop\u0000", Map.of()))
                .isInstanceOfSatisfying(
                        CommandRejectedException.class,
                        e -> assertThat(e.field()).isEqualTo("name"));
        assertThat(Namespace.of("shop", null).labels()).containsEntry(Namespace.METADATA_NAME_LABEL, "shop");
    }
}
