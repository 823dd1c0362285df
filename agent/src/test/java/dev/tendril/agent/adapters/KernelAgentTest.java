package dev.tendril.agent.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tendril.agent.datapath.fabric.Fabric;
import dev.tendril.agent.datapath.fabric.FabricPod;
import dev.tendril.agent.datapath.fabric.PodRef;
import dev.tendril.agent.datapath.fabric.StackPrefix;
import dev.tendril.agent.datapath.kernel.KernelDatapath;
import dev.tendril.agent.datapath.kernel.KernelPodNetwork;
import dev.tendril.agent.datapath.kernel.Netns;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The agent with {@code tendril.agent.pod-network=kernel} on the bpf maps of a fabric of its own (a stack
 * prefix of this JVM): once IPAM answered its pod CIDRs, readiness says {@code kernel (tc)}, an endpoint
 * created through the REST API runs in a namespace of its own with the programs on its veth (which drop
 * its traffic here: no policy is published, its policy map is empty), and deleting it leaves nothing.
 * Where the kernel datapath cannot run the agent runs with {@code auto} on memory maps and says why.
 */
@QuarkusTest
@WithTestResource(FakeControlPlane.class)
@TestProfile(KernelAgentTest.KernelMode.class)
class KernelAgentTest {
    static final StackPrefix PREFIX =
            StackPrefix.derive("KernelAgentTest:" + ProcessHandle.current().pid());

    public static class KernelMode implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            if (!KernelPodNetworkTest.available()) {
                return Map.of("tendril.agent.register-node", "true", "tendril.agent.pod-network", "auto");
            }
            return Map.of(
                    "tendril.agent.register-node",
                    "true",
                    "tendril.agent.datapath",
                    "bpf",
                    "tendril.agent.bpffs-dir",
                    Fabric.DEFAULT_BPFFS.resolve(PREFIX.value()).toString(),
                    "tendril.agent.fabric.prefix",
                    PREFIX.value(),
                    "tendril.agent.pod-network",
                    "kernel");
        }
    }

    @Inject
    PodNetworks pods;

    @AfterAll
    static void removeTheFabric() {
        if (KernelPodNetworkTest.available()) {
            Fabric.removeAll(PREFIX, Fabric.DEFAULT_BPFFS);
        }
    }

    @Test
    void saysWhichPodNetworkRunsAndWhy() {
        String expected = KernelPodNetworkTest.available() ? "kernel (tc), " : "model: auto: ";
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().get("/q/health/ready")
                        .then()
                        .statusCode(200)
                        .body("checks.data.podNetwork", hasItem(startsWith(expected))));
    }

    @Test
    void anEndpointOfTheApiRunsInItsOwnNamespaceBehindTheProgramsAndLeavesNothingWhenDeleted() throws Exception {
        assumeTrue(KernelPodNetworkTest.available(), "kernel datapath unavailable (KernelPodNetworkTest says why)");
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().get("/q/health/ready")
                        .then()
                        .statusCode(200)
                        .body("checks.data.podNetwork", hasItem("kernel (tc), 0 programs")));
        KernelPodNetwork kernel = pods.kernel().orElseThrow();
        Fabric fabric = Fabric.open(PREFIX);
        String nodeNs = kernel.node().orElseThrow().netnsName();
        assertThat(kernel.node().orElseThrow().addresses()).isEqualTo(Fabric.nodeAddresses(1));

        create("client");
        create("server");
        given().get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("checks.data.podNetwork", hasItem("kernel (tc), 4 programs"));
        FabricPod client = kernel.pod("shop/client").orElseThrow();
        FabricPod server = kernel.pod("shop/server").orElseThrow();
        assertThat(fabric.pods("node-1")).containsExactlyInAnyOrder(client.pod(), server.pod());
        assertThat(lxcVeths(nodeNs)).hasSize(2);
        assertThat(KernelDatapath.programsOn(Path.of("/var/run/netns", nodeNs), server.hostInterface())
                        .orElseThrow()
                        .toContainer())
                .isEqualTo(kernel.programIds().get(1));
        given().get("/v1/programs")
                .then()
                .statusCode(200)
                .body("datapath", startsWith("kernel (tc), 4 programs"))
                .body("rows.pod", hasItems("shop/client", "shop/server"))
                .body("rows.interfaceName", hasItems(client.hostInterface(), server.hostInterface()))
                .body("rows.attachMode", everyItem(is("tcx")))
                .body("rows.fromContainer", everyItem(is(kernel.programIds().get(0))))
                .body("rows.toContainer", everyItem(is(kernel.programIds().get(1))));

        try (ServerSocketChannel listening = Netns.call(server.netns(), () -> {
            ServerSocketChannel s = ServerSocketChannel.open();
            s.bind(new InetSocketAddress(InetAddress.getByName("::"), 80), 16);
            return s;
        })) {
            assertThat(connect(client, server.addresses().get(0)))
                    .as("dropped: no policy published, empty maps")
                    .isFalse();
        }

        for (PodRef pod : List.of(client.pod(), server.pod())) {
            given().delete("/v1/endpoints/shop/" + pod.name() + "?uid=uid-" + pod.name())
                    .then()
                    .statusCode(200);
        }
        assertThat(fabric.pods("node-1")).isEmpty();
        assertThat(Files.exists(client.netns())).isFalse();
        assertThat(Files.exists(server.netns())).isFalse();
        assertThat(lxcVeths(nodeNs)).isEmpty();
        assertThat(kernel.attachments()).isEmpty();
        given().get("/q/health/ready").then().body("checks.data.podNetwork", hasItem("kernel (tc), 0 programs"));
    }

    private static void create(String pod) {
        given().contentType(ContentType.JSON)
                .body("""
                {"namespace":"shop","pod":"%s","uid":"uid-%s","labels":{"app":"%s"}}""".formatted(pod, pod, pod))
                .post("/v1/endpoints")
                .then()
                .statusCode(201);
    }

    private static boolean connect(FabricPod from, InetAddress to) throws IOException {
        try (SocketChannel c = Netns.call(from.netns(), SocketChannel::open)) {
            c.socket().connect(new InetSocketAddress(to, 80), 500);
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    private static List<String> lxcVeths(String nodeNs) throws Exception {
        return run("ip", "-n", nodeNs, "-o", "link", "show")
                .lines()
                .filter(l -> l.matches("^\\d+: lxc.*"))
                .toList();
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }
}
