package dev.tendril.ipam.domain;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.k8s.KubernetesNames;

/**
 * What an allocation names its pod by: the owner {@code namespace/pod} (a DNS label and a DNS subdomain,
 * as Kubernetes names them) and the incarnation's uid (at most 128 printable characters, no markup).
 */
final class PodNames {

    static final int MAX_UID = 128;

    private PodNames() {}

    static void checkOwner(String owner) {
        if (owner == null || owner.isBlank()) {
            throw CommandRejectedException.invalid("owner", "owner must be 'namespace/pod', was empty");
        }
        int slash = owner.indexOf('/');
        if (slash <= 0 || slash == owner.length() - 1 || owner.indexOf('/', slash + 1) >= 0) {
            throw CommandRejectedException.invalid(
                    "owner", "owner must be 'namespace/pod', was '" + printable(owner) + "'");
        }
        String namespace = owner.substring(0, slash);
        String pod = owner.substring(slash + 1);
        if (!KubernetesNames.isDnsLabel(namespace)) {
            throw CommandRejectedException.invalid(
                    "owner",
                    "namespace '" + printable(namespace)
                            + "' of owner is not a DNS label (lower-case alphanumerics and '-', at most 63)");
        }
        if (!KubernetesNames.isDnsSubdomain(pod)) {
            throw CommandRejectedException.invalid(
                    "owner",
                    "pod '" + printable(pod)
                            + "' of owner is not a DNS subdomain (lower-case alphanumerics, '-' and '.', at most 253)");
        }
    }

    static void checkUid(String uid) {
        if (uid == null || uid.isBlank()) {
            throw CommandRejectedException.invalid("uid", "uid must not be empty");
        }
        if (uid.length() > MAX_UID) {
            throw CommandRejectedException.invalid("uid", "uid is " + uid.length() + " characters, at most " + MAX_UID);
        }
        for (int i = 0; i < uid.length(); i++) {
            char c = uid.charAt(i);
            if (c <= ' '
                    || c == 0x7f
                    || c == '<'
                    || c == '>'
                    || c == '&'
                    || c == '"'
                    || c == '\''
                    || c == '\\'
                    || c == '/'
                    || Character.isISOControl(c)) {
                throw CommandRejectedException.invalid(
                        "uid",
                        "uid must not contain whitespace, control characters, "
                                + "quotes, '/', '\\' or markup (<, >, &); character " + (i + 1) + " is U+"
                                + String.format("%04X", (int) c));
            }
        }
    }

    /** The text for an error message, control characters escaped, cut at 80 characters. */
    static String printable(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length() && out.length() < 80; i++) {
            char c = text.charAt(i);
            out.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return text.length() > 80 ? out + "..." : out.toString();
    }
}
