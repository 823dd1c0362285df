package dev.tendril.identity.domain;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.k8s.KubernetesNames;
import dev.tendril.k8s.labels.Label;
import dev.tendril.k8s.labels.LabelSource;
import dev.tendril.k8s.labels.Labels;
import dev.tendril.net.IpAddress;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Label validation per source: Kubernetes label syntax and object names (the rules themselves live
 * once in libs/k8s {@code KubernetesNames}), and the rules of the other label sources ({@code cidr:} prefixes in Cilium's spelling, the reserved names).
 */
public final class LabelSyntax {

    private static final Pattern CIDR_V4 = Pattern.compile("((0|[1-9][0-9]{0,2})\\.){3}(0|[1-9][0-9]{0,2})");
    private static final Pattern CIDR_V6 = Pattern.compile("[0-9a-f]{1,4}(-{1,2}[0-9a-f]{1,4})*");
    private static final Pattern PREFIX_LENGTH = Pattern.compile("0|[1-9][0-9]{0,2}");

    /** Larger label sets are refused: no real pod needs them, and they bloat every map and topic. */
    public static final int MAX_LABELS = 64;

    private LabelSyntax() {}

    /**
     * Parses {@code source:key=value}, {@code source:key} or {@code key=value} (source {@code unspec}) and
     * validates it; a bad label is rejected as invalid input named {@code field}. A {@code cidr:} key comes
     * back in its one canonical spelling ({@link #canonicalCidrKey}).
     */
    public static Label parseLabel(String text, String field) {
        if (text == null) {
            throw CommandRejectedException.invalid(field, "label must not be null");
        }
        if (text.isBlank()) {
            throw CommandRejectedException.invalid(field, "label must not be empty");
        }
        Label label = Label.parse(text);
        validate(label, field);
        if (label.source().equals(LabelSource.CIDR)) {
            return new Label(label.source(), canonicalCidrKey(label.key()), label.value());
        }
        return label;
    }

    /** Parses and validates {@code source:key=value} strings into a set; {@code field} names the input in a rejection. */
    public static Labels parseLabels(Collection<String> texts, String field) {
        if (texts == null) {
            throw CommandRejectedException.invalid(field, "labels are required");
        }
        if (texts.size() > MAX_LABELS) {
            throw CommandRejectedException.invalid(field, texts.size() + " labels, at most " + MAX_LABELS + " allowed");
        }
        List<Label> parsed = new ArrayList<>(texts.size());
        for (String text : texts) {
            parsed.add(parseLabel(text, field));
        }
        try {
            return new Labels(parsed);
        } catch (IllegalArgumentException duplicate) {
            throw CommandRejectedException.invalid(field, duplicate.getMessage());
        }
    }

    /** Validates a label of any source; {@code field} names the input at fault in the rejection. */
    public static void validate(Label label, String field) {
        if (!LabelSource.ALL.contains(label.source())) {
            throw CommandRejectedException.invalid(
                    field,
                    "unknown label source " + quote(label.source()) + " in " + quote(label.toString())
                            + " (expected one of k8s, reserved, cidr, container, unspec)");
        }
        switch (label.source()) {
            case LabelSource.RESERVED -> {
                if (ReservedIdentity.byLabelKey(label.key()).isEmpty()
                        || !label.value().isEmpty()) {
                    throw CommandRejectedException.invalid(field, "unknown reserved label " + quote(label.toString()));
                }
            }
            case LabelSource.CIDR -> {
                String problem = label.value().isEmpty() ? cidrKeyProblem(label.key()) : "a cidr label has no value";
                if (problem != null) {
                    throw CommandRejectedException.invalid(
                            field, "invalid cidr label " + quote(label.toString()) + ": " + problem);
                }
            }
            default -> {
                String keyProblem = keyProblem(label.key());
                if (keyProblem != null) {
                    throw CommandRejectedException.invalid(
                            field, "invalid label key " + quote(label.key()) + ": " + keyProblem);
                }
                String valueProblem = valueProblem(label.value());
                if (valueProblem != null) {
                    throw CommandRejectedException.invalid(
                            field,
                            "invalid label value " + quote(label.value()) + " of key '" + label.key() + "': "
                                    + valueProblem);
                }
            }
        }
    }

    /** Why {@code key} is not a Kubernetes label key ({@code [prefix/]name}), or null when it is. */
    public static String keyProblem(String key) {
        return KubernetesNames.labelKeyProblem(key).orElse(null);
    }

    /** Why {@code value} is not a Kubernetes label value, or null when it is (empty is allowed, null is not). */
    public static String valueProblem(String value) {
        return KubernetesNames.labelValueProblem(value).orElse(null);
    }

    /**
     * Why {@code key} is not the key of a {@code cidr:} label, or null when it is one. Accepted: an IPv4
     * prefix {@code a.b.c.d/n} (no leading zeros, n 0..32), or an IPv6 prefix with '-' for ':' (n 0..128)
     * in Cilium's spelling (RFC 5952, a leading or trailing '-' padded with 0: {@code 2001-db8--0/32}) or
     * fully expanded without leading zeros ({@code 2001-db8-0-0-0-0-0-0/32}, as Java prints it); host bits
     * must be zero in both families.
     */
    public static String cidrKeyProblem(String key) {
        try {
            canonicalCidrKey(key);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /**
     * The one spelling of a {@code cidr:} key: IPv4 as is, IPv6 in Cilium's spelling.
     *
     * @throws IllegalArgumentException naming the problem when {@link #cidrKeyProblem} would
     */
    public static String canonicalCidrKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("a cidr label needs a prefix such as 10.0.0.0/8");
        }
        int slash = key.indexOf('/');
        if (slash < 0 || !PREFIX_LENGTH.matcher(key.substring(slash + 1)).matches()) {
            throw new IllegalArgumentException(
                    "not a prefix: expected address/length, the length without leading zeros");
        }
        String address = key.substring(0, slash);
        int length = Integer.parseInt(key.substring(slash + 1));
        byte[] bytes;
        boolean v4 = CIDR_V4.matcher(address).matches();
        if (v4) {
            bytes = InetAddress.ofLiteral(checkedV4(address)).getAddress();
        } else if (CIDR_V6.matcher(address).matches()) {
            InetAddress parsed;
            try {
                parsed = InetAddress.ofLiteral(address.replace('-', ':'));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not a prefix: " + quote(address) + " is not an address");
            }
            if (!(parsed instanceof Inet6Address)) {
                throw new IllegalArgumentException("IPv4-mapped addresses are written as IPv4");
            }
            bytes = parsed.getAddress();
        } else {
            throw new IllegalArgumentException("not a prefix: expected a.b.c.d/n, or IPv6 with '-' for ':'"
                    + " (lower case, e.g. 2001-db8--0/32)");
        }
        if (length > bytes.length * 8) {
            throw new IllegalArgumentException("prefix length " + length + " is over " + bytes.length * 8);
        }
        for (int bit = length; bit < bytes.length * 8; bit++) {
            if ((bytes[bit / 8] & (0x80 >> (bit % 8))) != 0) {
                throw new IllegalArgumentException(
                        "host bits are set: the prefix is " + network(bytes, length, v4) + "/" + length);
            }
        }
        if (v4) {
            return key;
        }
        String cilium = ciliumV6(bytes);
        if (!address.equals(cilium) && !address.equals(expandedV6(bytes))) {
            throw new IllegalArgumentException("not in canonical form: write " + cilium + "/" + length);
        }
        return cilium + "/" + length;
    }

    /** True for a DNS-1123 label (namespace names). */
    public static boolean isDnsLabel(String name) {
        return KubernetesNames.isDnsLabel(name);
    }

    /** True for a DNS-1123 subdomain (pod names, node names). */
    public static boolean isDnsSubdomain(String name) {
        return KubernetesNames.isDnsSubdomain(name);
    }

    /** Client text as an error message shows it: quoted, bounded, control characters escaped. */
    public static String quote(String text) {
        return KubernetesNames.quote(text);
    }

    private static String checkedV4(String address) {
        for (String octet : address.split("\\.")) {
            if (Integer.parseInt(octet) > 255) {
                throw new IllegalArgumentException("not a prefix: octet " + octet + " is over 255");
            }
        }
        return address;
    }

    private static String network(byte[] bytes, int length, boolean v4) {
        byte[] masked = bytes.clone();
        for (int bit = length; bit < masked.length * 8; bit++) {
            masked[bit / 8] &= (byte) ~(0x80 >> (bit % 8));
        }
        return v4
                ? InetAddress.ofLiteral(String.format(
                                "%d.%d.%d.%d", masked[0] & 255, masked[1] & 255, masked[2] & 255, masked[3] & 255))
                        .getHostAddress()
                : ciliumV6(masked);
    }

    /** Eight groups, lower case, no leading zeros, '-' between them. */
    private static String expandedV6(byte[] bytes) {
        StringBuilder text = new StringBuilder();
        for (int group = 0; group < 8; group++) {
            if (group > 0) {
                text.append('-');
            }
            text.append(Integer.toHexString(((bytes[2 * group] & 255) << 8) | (bytes[2 * group + 1] & 255)));
        }
        return text.toString();
    }

    /** Cilium's label spelling: RFC 5952 text, ':' written '-', a leading or trailing '-' padded with 0. */
    private static String ciliumV6(byte[] bytes) {
        String rfc5952 = IpAddress.ofBytes(bytes).toString();
        if (rfc5952.startsWith(":")) {
            rfc5952 = "0" + rfc5952;
        }
        if (rfc5952.endsWith(":")) {
            rfc5952 = rfc5952 + "0";
        }
        return rfc5952.replace(':', '-');
    }
}
