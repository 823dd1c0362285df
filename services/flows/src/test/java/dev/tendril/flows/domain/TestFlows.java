package dev.tendril.flows.domain;

import dev.tendril.k8s.labels.Label;
import dev.tendril.net.IpAddress;
import java.util.List;

/** Stored flows for domain tests, built field by field. */
final class TestFlows {

    private TestFlows() {}

    static Peer pod(String namespace, String pod, int identity, String... labels) {
        return new Peer(
                namespace,
                pod,
                identity,
                List.of(labels).stream().map(Label::parse).toList());
    }

    static final Peer FRONTEND = pod("demo", "frontend-7d9", 17901, "k8s:app=frontend", "k8s:tier=web");
    static final Peer DATABASE = pod("demo", "database-0", 29433, "k8s:app=database");
    static final Peer COREDNS = pod("kube-system", "coredns-55", 102, "k8s:k8s-app=kube-dns");
    static final Peer WORLD = new Peer("", "", 2, List.of(Label.parse("reserved:world")));

    static StoredFlow tcp(
            long time, String node, Peer src, String srcIp, Peer dst, String dstIp, int dport, int verdict, int flags) {
        return new StoredFlow(
                time,
                -1,
                node,
                src,
                dst,
                IpAddress.parseOrNull(srcIp),
                IpAddress.parseOrNull(dstIp),
                40000,
                dport,
                1,
                verdict,
                1,
                1,
                srcIp.contains(":") ? 2 : 1,
                flags,
                new byte[0]);
    }

    static StoredFlow udp(long time, String node, Peer src, String srcIp, Peer dst, String dstIp, int dport) {
        return new StoredFlow(
                time,
                -1,
                node,
                src,
                dst,
                IpAddress.parseOrNull(srcIp),
                IpAddress.parseOrNull(dstIp),
                5353,
                dport,
                2,
                1,
                2,
                1,
                1,
                0,
                new byte[0]);
    }

    static StoredFlow at(long time, String node) {
        return tcp(time, node, FRONTEND, "10.0.1.5", DATABASE, "10.0.2.9", 5432, 1, TcpFlags.SYN);
    }
}
