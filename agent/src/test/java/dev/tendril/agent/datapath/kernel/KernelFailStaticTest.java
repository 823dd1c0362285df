package dev.tendril.agent.datapath.kernel;

import static dev.tendril.agent.datapath.kernel.TestPolicies.allowAll;
import static dev.tendril.agent.datapath.kernel.TestPolicies.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMapKey;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fail-static: once loaded and attached, the programs enforce the pinned maps without the process that
 * loaded them, whether it closed its handles or died (SIGKILL); the agent's map writes still steer them,
 * and a new process picks up the pinned ring buffer and programs.
 */
class KernelFailStaticTest {
    static final long CLIENT = 1001;
    static final long SERVER = 1002;
    static final Duration ALLOWED = Duration.ofSeconds(3);
    static final Duration DROPPED = Duration.ofMillis(300);

    KernelCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private KernelCluster node() {
        Map<String, Long> pods = new LinkedHashMap<>();
        pods.put("client", CLIENT);
        pods.put("server", SERVER);
        KernelCluster c = KernelCluster.withoutDatapath(pods, Map.of(), List.of(80, 81), List.of());
        c.apply(serverOn(80));
        return c;
    }

    /** The server accepts the client on one TCP port. */
    static Map<Long, SubjectPolicyMap> serverOn(int port) {
        return Map.of(
                CLIENT,
                allowAll(CLIENT),
                SERVER,
                SubjectPolicyMap.newBuilder()
                        .setSubject((int) SERVER)
                        .addEntries(entry(
                                PolicyMapKey.of(CLIENT, Direction.INGRESS, IpProtocol.TCP, port), false, "np/server"))
                        .addEntries(entry(PolicyMapKey.anyProtocol(0, Direction.EGRESS), false, ""))
                        .build());
    }

    private void assertEnforces(int allowed, int denied) {
        for (boolean v4 : new boolean[] {true, false}) {
            var server = cluster.pod("server").address(v4);
            assertThat(Traffic.tcp(cluster.pod("client"), server, allowed, ALLOWED)
                            .passed())
                    .as("client -> server:%d over IPv%d", allowed, v4 ? 4 : 6)
                    .isTrue();
            assertThat(Traffic.tcp(cluster.pod("client"), server, denied, DROPPED)
                            .passed())
                    .as("client -> server:%d over IPv%d", denied, v4 ? 4 : 6)
                    .isFalse();
        }
    }

    @Test
    void closingTheLoadersHandlesLeavesTheDatapathEnforcing() {
        cluster = node();
        cluster.loadDatapath(KernelDatapathConfig.defaults());
        assertEnforces(80, 81);

        cluster.datapath.close();
        assertEnforces(80, 81);
        cluster.apply(serverOn(81));
        assertEnforces(81, 80);
    }

    @Test
    void theProgramsOutliveTheLoaderProcessAndANewOneTakesOver() throws Exception {
        cluster = node();
        List<String> cmd = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                FailStaticLoader.class.getName(),
                cluster.pinDir.toString(),
                cluster.nodeNetns(KernelCluster.NODE).toString()));
        cluster.pods()
                .forEach(p -> cmd.add(p.endpointId() + ":" + p.hostInterface() + ":" + p.ipv4Text() + ","
                        + p.address(false).getHostAddress()));
        Process loader = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(loader.getInputStream(), StandardCharsets.UTF_8));
            String line;
            StringBuilder seen = new StringBuilder();
            while ((line = out.readLine()) != null && !line.startsWith(FailStaticLoader.READY)) {
                seen.append(line).append('\n');
            }
            assertThat(line)
                    .as("the loader process attached; it said:\n" + seen)
                    .isNotNull();
            assertEnforces(80, 81);
        } finally {
            loader.destroyForcibly();
            assertThat(loader.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }

        assertEnforces(80, 81);
        cluster.apply(serverOn(81));
        assertEnforces(81, 80);

        cluster.loadDatapath(KernelDatapathConfig.defaults());
        var deniedAfterRestart =
                Traffic.tcp(cluster.pod("client"), cluster.pod("server").ipv4(), 80, DROPPED);
        assertThat(deniedAfterRestart.passed()).isFalse();
        VerdictEvent drop = cluster.awaitEvent(
                "a drop read by the new process",
                e -> e.sourcePort() == deniedAfterRestart.sourcePort() && e.dropReason() == 133);
        assertThat(drop.destinationIdentity()).isEqualTo(SERVER);
    }

    @Test
    void clsBpfFiltersEnforceTheSameWhereTcxIsOff() {
        cluster = node();
        cluster.loadDatapath(KernelDatapathConfig.defaults().withTcx(false));
        assertThat(cluster.datapath.attachMode()).isEqualTo("tc");
        assertThat(TcxLinks.pins(cluster.pinDir)).isEmpty();
        List<Integer> ids = cluster.datapath.programIds();
        for (KernelDatapath.Attachment a : cluster.datapath.attachments()) {
            assertThat(TcFilters.query(a.netns(), a.ifindex()))
                    .as("cls_bpf filters on " + a.interfaceName())
                    .isEqualTo(new KernelDatapath.AttachedPrograms(ids.get(0), ids.get(1)));
        }
        assertEnforces(80, 81);
    }

    @Test
    void aLoadWithTcxTakesOverFromClsBpfFiltersAndRemovesThem() {
        cluster = node();
        cluster.loadDatapath(KernelDatapathConfig.defaults().withTcx(false));
        assertEnforces(80, 81);
        KernelDatapath older = cluster.datapath;

        cluster.loadDatapath(KernelDatapathConfig.defaults());
        older.close();
        assertThat(cluster.datapath.attachMode()).isEqualTo("tcx");
        List<Integer> ids = cluster.datapath.programIds();
        for (KernelDatapath.Attachment a : cluster.datapath.attachments()) {
            assertThat(TcxLinks.query(a.netns(), a.ifindex()))
                    .as("tcx links on " + a.interfaceName())
                    .isEqualTo(new KernelDatapath.AttachedPrograms(ids.get(0), ids.get(1)));
            assertThat(TcFilters.query(a.netns(), a.ifindex()))
                    .as("the older load's filters, removed")
                    .isEqualTo(new KernelDatapath.AttachedPrograms(0, 0));
        }
        assertEnforces(80, 81);
        cluster.apply(serverOn(81));
        assertEnforces(81, 80);
    }
}
