package dev.tendril.agent.bench;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Locale;

/**
 * The {@code iptables-restore} input kube-proxy's iptables mode writes (kubernetes/kubernetes
 * pkg/proxy/iptables/proxier.go), for ClusterIP services of one TCP port each and no NodePorts, for the
 * services benchmark. Chain names as kube-proxy hashes them ({@code KUBE-SVC-} and {@code KUBE-SEP-} +
 * the first 16 base32 characters of SHA-256 over the service port name, protocol and endpoint); rules in
 * its order and with its matches: KUBE-SERVICES one rule per service port ({@code -d VIP/32 -p tcp --dport})
 * ending in the KUBE-NODEPORTS jump for local addresses, KUBE-SVC-* the masquerade rule for traffic from
 * outside the cluster CIDR and the {@code statistic --mode random --probability 1/(n-i)} jumps (the last
 * one unconditional), KUBE-SEP-* the hairpin KUBE-MARK-MASQ and the DNAT. The filter table's chains are
 * written empty, as kube-proxy writes them when every service has endpoints.
 *
 * <p>Every restore is {@code --noflush}, as kube-proxy's: a declared chain is flushed and refilled, the
 * others are left alone. A full sync declares every chain; a partial sync ({@code MinimizeIPTablesRestore},
 * default since Kubernetes 1.27) declares and refills the fixed chains, KUBE-SERVICES among them with all
 * its rules (iptables-restore can only replace a chain whole), and only the changed services' chains; a
 * removed service's chains are declared and deleted ({@code -X}) at the end.
 */
final class KubeProxyRules {
    static final String CLUSTER_CIDR = "10.244.0.0/16";

    /** A service port: {@code namespace/name:port}, its VIP and port, its endpoints as {@code ip:port}. */
    record Service(String portName, String vip, int port, List<String> endpoints) {

        String chain() {
            return "KUBE-SVC-" + hash(portName + "tcp");
        }

        String endpointChain(String endpoint) {
            return "KUBE-SEP-" + hash(portName + "tcp" + endpoint);
        }
    }

    private static final List<String> FILTER_CHAINS =
            List.of("KUBE-EXTERNAL-SERVICES", "KUBE-FORWARD", "KUBE-NODEPORTS", "KUBE-PROXY-FIREWALL", "KUBE-SERVICES");
    private static final List<String> NAT_CHAINS =
            List.of("KUBE-MARK-MASQ", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-SERVICES");

    private KubeProxyRules() {}

    /**
     * The jumps from the built-in chains, which kube-proxy adds once with {@code iptables -I} (not
     * through restore, so as not to own PREROUTING); here a plain restore of the nat table at start.
     */
    static String bootstrap() {
        StringBuilder out = new StringBuilder("*nat\n");
        NAT_CHAINS.forEach(c -> out.append(':').append(c).append(" - [0:0]\n"));
        out.append("-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n");
        out.append("-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n");
        out.append("-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING\n");
        return out.append("COMMIT\n").toString();
    }

    /** A full sync: every chain declared and written. */
    static String fullSync(List<Service> services) {
        return sync(services, services, List.of());
    }

    /** A partial sync after {@code added} appeared: the fixed chains (all of KUBE-SERVICES) and its chains. */
    static String partialAdd(List<Service> all, Service added) {
        return sync(all, List.of(added), List.of());
    }

    /** A partial sync after {@code removed} went away: the fixed chains and its chains deleted. */
    static String partialRemove(List<Service> remaining, Service removed) {
        return sync(remaining, List.of(), List.of(removed));
    }

    private static String sync(List<Service> all, List<Service> changed, List<Service> removed) {
        StringBuilder out = new StringBuilder(256 * (all.size() + 8 * changed.size()));
        out.append("*filter\n");
        FILTER_CHAINS.forEach(c -> out.append(':').append(c).append(" - [0:0]\n"));
        out.append("-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP\n");
        out.append("-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark 0x4000/0x4000"
                + " -j ACCEPT\n");
        out.append("-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack"
                + " --ctstate RELATED,ESTABLISHED -j ACCEPT\n");
        out.append("COMMIT\n*nat\n");
        NAT_CHAINS.forEach(c -> out.append(':').append(c).append(" - [0:0]\n"));
        for (Service s : changed) {
            out.append(':').append(s.chain()).append(" - [0:0]\n");
            s.endpoints()
                    .forEach(e -> out.append(':').append(s.endpointChain(e)).append(" - [0:0]\n"));
        }
        for (Service s : removed) {
            out.append(':').append(s.chain()).append(" - [0:0]\n");
            s.endpoints()
                    .forEach(e -> out.append(':').append(s.endpointChain(e)).append(" - [0:0]\n"));
        }
        out.append("-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n");
        out.append("-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000\n");
        out.append("-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\""
                + " -j MASQUERADE --random-fully\n");
        out.append("-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n");
        for (Service s : all) {
            out.append("-A KUBE-SERVICES -m comment --comment \"")
                    .append(s.portName())
                    .append(" cluster IP\" -m tcp -p tcp -d ")
                    .append(s.vip())
                    .append("/32 --dport ")
                    .append(s.port())
                    .append(" -j ")
                    .append(s.chain())
                    .append('\n');
        }
        out.append("-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last"
                + " rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\n");
        changed.forEach(s -> serviceChains(out, s));
        for (Service s : removed) {
            out.append("-X ").append(s.chain()).append('\n');
            s.endpoints()
                    .forEach(e -> out.append("-X ").append(s.endpointChain(e)).append('\n'));
        }
        return out.append("COMMIT\n").toString();
    }

    private static void serviceChains(StringBuilder out, Service s) {
        String svc = s.chain();
        out.append("-A ")
                .append(svc)
                .append(" -m comment --comment \"")
                .append(s.portName())
                .append(" cluster IP\" -m tcp -p tcp -d ")
                .append(s.vip())
                .append("/32 --dport ")
                .append(s.port())
                .append(" ! -s ")
                .append(CLUSTER_CIDR)
                .append(" -j KUBE-MARK-MASQ\n");
        int n = s.endpoints().size();
        for (int i = 0; i < n; i++) {
            String ep = s.endpoints().get(i);
            out.append("-A ")
                    .append(svc)
                    .append(" -m comment --comment \"")
                    .append(s.portName())
                    .append(" -> ")
                    .append(ep)
                    .append('"');
            if (i < n - 1) {
                out.append(" -m statistic --mode random --probability ")
                        .append(String.format(Locale.ROOT, "%.10f", 1.0 / (n - i)));
            }
            out.append(" -j ").append(s.endpointChain(ep)).append('\n');
        }
        for (String ep : s.endpoints()) {
            String sep = s.endpointChain(ep);
            String ip = ep.substring(0, ep.indexOf(':'));
            out.append("-A ")
                    .append(sep)
                    .append(" -m comment --comment ")
                    .append(s.portName())
                    .append(" -s ")
                    .append(ip)
                    .append("/32 -j KUBE-MARK-MASQ\n");
            out.append("-A ")
                    .append(sep)
                    .append(" -m comment --comment ")
                    .append(s.portName())
                    .append(" -m tcp -p tcp -j DNAT --to-destination ")
                    .append(ep)
                    .append('\n');
        }
    }

    /** kube-proxy's chain-name hash: base32 (standard alphabet) of SHA-256, first 16 characters. */
    static String hash(String text) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        StringBuilder out = new StringBuilder(16);
        int buffer = 0;
        int bits = 0;
        for (byte b : digest) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5 && out.length() < 16) {
                out.append(alphabet.charAt((buffer >>> (bits - 5)) & 31));
                bits -= 5;
            }
            if (out.length() == 16) {
                break;
            }
        }
        return out.toString();
    }
}
