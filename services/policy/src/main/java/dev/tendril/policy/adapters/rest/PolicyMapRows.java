package dev.tendril.policy.adapters.rest;

import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.k8s.labels.Label;
import dev.tendril.policy.domain.Identity;
import dev.tendril.policy.domain.PolicyEntry;
import dev.tendril.policy.domain.PolicyRef;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.LongFunction;

/** Renders policy-map entries as {@code cilium bpf policy get} shows them. */
final class PolicyMapRows {

    private PolicyMapRows() {}

    static Views.PolicyMapRow row(PolicyEntry entry, LongFunction<Optional<Identity>> identities) {
        PolicyMapKey key = entry.key();
        List<String> labels = key.identity() == 0
                ? List.of()
                : identities
                        .apply(key.identity())
                        .map(i -> i.labels().stream().map(Label::toString).toList())
                        .orElse(List.of("unknown:identity=" + key.identity()));
        return new Views.PolicyMapRow(
                entry.value().deny() ? "deny" : "allow",
                key.direction() == Direction.INGRESS ? "ingress" : "egress",
                key.identity(),
                labels,
                protocol(key),
                port(key),
                key.prefixLength(),
                entry.policies().stream().map(PolicyRef::toString).toList());
    }

    static String protocol(PolicyMapKey key) {
        if (key.l4PrefixLength() == 0 || key.protocol() == IpProtocol.ANY) {
            return "ANY";
        }
        return switch (key.protocol()) {
            case IpProtocol.TCP -> "TCP";
            case IpProtocol.UDP -> "UDP";
            case IpProtocol.SCTP -> "SCTP";
            default -> Integer.toString(key.protocol());
        };
    }

    static String port(PolicyMapKey key) {
        int bits = key.portPrefixBits();
        if (bits == 0) {
            return "ANY";
        }
        if (bits == 16) {
            return Integer.toString(key.port());
        }
        int first = key.port() & (0xFFFF << (16 - bits)) & 0xFFFF;
        int last = first | (0xFFFF >>> bits);
        return first + "-" + last;
    }

    static String direction(Direction d) {
        return d.name().toLowerCase(Locale.ROOT);
    }
}
