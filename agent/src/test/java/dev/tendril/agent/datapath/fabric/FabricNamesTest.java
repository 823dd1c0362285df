package dev.tendril.agent.datapath.fabric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fabric's names and specs, checked without a kernel: they run everywhere. */
class FabricNamesTest {
    static final StackPrefix STACK = StackPrefix.derive("/home/me/.tendril|0");

    @Test
    void aStackKeyAlwaysGivesTheSamePrefixAndOtherKeysOthers() {
        assertThat(STACK).isEqualTo(StackPrefix.derive("/home/me/.tendril|0"));
        assertThat(STACK.value()).matches("td[0-9a-f]{8}");
        assertThat(StackPrefix.derive("/home/me/.tendril|3000")).isNotEqualTo(STACK);
        assertThat(STACK.bpffsDirectory(Path.of("/sys/fs/bpf"))).isEqualTo(Path.of("/sys/fs/bpf/" + STACK.value()));
    }

    @Test
    void aStackOwnsItsNamesAndNoOtherStacks() {
        StackPrefix shorter = new StackPrefix("td12");
        StackPrefix longer = new StackPrefix("td123");
        assertThat(shorter.owns("td12")).isTrue();
        assertThat(shorter.owns("td12_node-1")).isTrue();
        assertThat(shorter.owns("td123_node-1")).isFalse();
        assertThat(longer.owns("td12_node-1")).isFalse();
        assertThatThrownBy(() -> new StackPrefix("td_1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StackPrefix("TD1")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void namespaceNamesParseBackToTheirNodeAndPod() {
        PodRef pod = new PodRef("node-1", "kube-system", "coredns-5d78c9869d-abcde");
        String podNs = Names.podNetns(STACK, pod);
        assertThat(podNs).isEqualTo(STACK + "_node-1_kube-system_coredns-5d78c9869d-abcde");
        assertThat(Names.podOf(STACK, podNs)).isEqualTo(pod);
        assertThat(Names.nodeOf(STACK, podNs)).isNull();
        assertThat(Names.nodeOf(STACK, Names.nodeNetns(STACK, "node-1.example")))
                .isEqualTo("node-1.example");
        assertThat(Names.podOf(STACK, Names.nodeNetns(STACK, "node-1"))).isNull();
        assertThat(Names.nodeOf(STACK, Names.switchNetns(STACK))).isNull();
        assertThat(Names.podOf(new StackPrefix("td99"), podNs)).isNull();
    }

    @Test
    void hostVethsFitInterfaceNamesAndDifferPerPod() {
        String a = Names.hostVeth(new PodRef("node-1", "default", "a"));
        assertThat(a).matches("lxc[0-9a-f]{11}").hasSizeLessThanOrEqualTo(15);
        assertThat(Names.hostVeth(new PodRef("node-2", "default", "a")))
                .as("named by the pod, not the node")
                .isEqualTo(a);
        assertThat(Names.hostVeth(new PodRef("node-1", "default", "b"))).isNotEqualTo(a);
        assertThat(Names.hostMac(new PodRef("node-1", "default", "a"))).matches("02(:[0-9a-f]{2}){5}");
        assertThat(Names.podMac(new PodRef("node-1", "default", "a"))).matches("0a(:[0-9a-f]{2}){5}");
    }

    @Test
    void namesWithoutTheSeparatorsOfKubernetesNamesAreRefused() {
        assertThatThrownBy(() -> new PodRef("node_1", "default", "a")).hasMessageContaining("node");
        assertThatThrownBy(() -> new PodRef("node-1", "Default", "a")).hasMessageContaining("namespace");
        assertThatThrownBy(() -> new PodRef("node-1", "default", "a/b")).hasMessageContaining("pod");
    }

    @Test
    void specsAreCheckedBeforeAnythingIsWired() throws Exception {
        assertThatThrownBy(() -> PodCidr.of("10.0.1.0/24", "10.0.2.1")).hasMessageContaining("not in the pod CIDR");
        assertThat(PodCidr.of("10.0.1.7/24", "10.0.1.1").cidr()).isEqualTo("10.0.1.0/24");
        assertThat(PodCidr.of("fd00::100/120", "fd00::101").bits()).isEqualTo(120);
        assertThatThrownBy(() -> new NodeSpec("node-1", 0, List.of())).hasMessageContaining("1..254");
        assertThatThrownBy(() -> new NodeSpec("node-1", 1, List.of(PodCidr.of("172.31.0.0/16", "172.31.0.1"))))
                .hasMessageContaining("overlaps the fabric's underlay");
        assertThatThrownBy(() -> new NodeSpec(
                        "node-1",
                        1,
                        List.of(PodCidr.of("10.0.1.0/24", "10.0.1.1"), PodCidr.of("10.0.2.0/24", "10.0.2.1"))))
                .hasMessageContaining("one pod CIDR per family");
        assertThatThrownBy(() -> PodSpec.of(
                        "node-1", "default", "a", InetAddress.getByName("10.0.1.2"), InetAddress.getByName("10.0.1.3")))
                .hasMessageContaining("one per family");
        assertThatThrownBy(() -> Addresses.literal("example.com")).hasMessageContaining("not an IP address");
    }

    @Test
    void linksAreReadFromIpsOneLineOutput() {
        String out = """
                1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
                2: eth0@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether e6:3c:64:06:aa:54 brd ff:ff:ff:ff:ff:ff link-netns td1_node-1
                3: cilium_net@cilium_host: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether ea:9b:1f:75:ae:9c brd ff:ff:ff:ff:ff:ff
                4: n1@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br0 state UP mode DEFAULT group default qlen 1000\\    link/ether 9e:77:d1:12:fa:74 brd ff:ff:ff:ff:ff:ff link-netnsid 0\\    alias node-1
                """;
        assertThat(Ip.parseLinks(out))
                .containsExactly(
                        new Ip.Link(1, "lo", -1, "", ""),
                        new Ip.Link(2, "eth0", 3, "td1_node-1", ""),
                        new Ip.Link(3, "cilium_net", -1, "", ""),
                        new Ip.Link(4, "n1", 2, "", "node-1"));
    }

    @Test
    void underlayAddressesFollowTheNodeIndex() throws Exception {
        Underlay single = Underlay.of(0);
        assertThat(single.addresses(7))
                .containsExactly(InetAddress.getByName("172.31.254.7"), InetAddress.getByName("fdfe:254::7"));
        assertThat(single.uplinkAddresses(7)).containsExactly("172.31.254.7/24", "fdfe:254::7/64");
        assertThat(single.linkLocal(7)).isEqualTo("fe80::7");
        assertThat(single.indexOf(InetAddress.getByName("fdfe:254::7"))).isEqualTo(7);
        assertThat(single.indexOf(InetAddress.getByName("10.0.0.7"))).isZero();
        assertThat(Fabric.nodeAddresses(7)).isEqualTo(single.addresses(7));
    }

    @Test
    void meshClustersGetTheirOwnUnderlayOnOneOnLinkNetwork() throws Exception {
        Underlay east = Underlay.of(1);
        Underlay west = Underlay.of(200);

        assertThat(east.addresses(3))
                .containsExactly(InetAddress.getByName("172.31.1.3"), InetAddress.getByName("fdfe:1::3"));
        assertThat(west.addresses(3))
                .containsExactly(InetAddress.getByName("172.31.200.3"), InetAddress.getByName("fdfe:c8::3"));
        assertThat(east.uplinkAddresses(3)).containsExactly("172.31.1.3/16", "fdfe:1::3/16");
        // Two clusters' node 3 on one joined switch: neither the global nor the link-local addresses meet.
        assertThat(east.linkLocal(3)).isEqualTo("fe80::1:3");
        assertThat(west.linkLocal(3)).isEqualTo("fe80::c8:3");
        for (boolean v4 : new boolean[] {true, false}) {
            assertThat(east.onLink(v4)).isEqualTo(west.onLink(v4));
            assertThat(west.addresses(3).stream()
                            .filter(a -> Addresses.isIpv4(a) == v4)
                            .allMatch(a -> Addresses.contains(east.onLink(v4), a)))
                    .isTrue();
        }
        assertThat(east.indexOf(InetAddress.getByName("172.31.1.3"))).isEqualTo(3);
        assertThat(east.indexOf(InetAddress.getByName("172.31.200.3")))
                .as("a peer's node")
                .isZero();
        assertThat(Fabric.isUnderlay(InetAddress.getByName("fdfe:c8::3"))).isTrue();
        assertThat(Fabric.isUnderlay(InetAddress.getByName("127.1.0.11"))).isFalse();
        assertThat(Fabric.nodeAddresses(1, 3)).isEqualTo(east.addresses(3));
        assertThatThrownBy(() -> Underlay.of(256)).hasMessageContaining("cluster id must be 0..255, got 256");
    }

    @Test
    void podCidrsMayNotOverlapAnyClustersUnderlay() {
        assertThatThrownBy(() -> new NodeSpec("node-1", 1, List.of(PodCidr.of("172.31.7.0/24", "172.31.7.1"))))
                .hasMessageContaining("overlaps the fabric's underlay 172.31.0.0/16");
    }
}
