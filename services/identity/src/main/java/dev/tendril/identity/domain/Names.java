package dev.tendril.identity.domain;

import dev.tendril.eventstore.CommandRejectedException;
import java.util.regex.Pattern;

/**
 * The names a client gives this service, checked as Kubernetes checks them; each method returns the name
 * or refuses it as invalid input named {@code field}.
 */
public final class Names {

    /** As the node agent checks pod uids: Kubernetes' are UUIDs; no markup, spaces or control characters. */
    private static final Pattern UID = Pattern.compile("[A-Za-z0-9][-A-Za-z0-9_.]{0,127}");

    private Names() {}

    /** A namespace name: a DNS-1123 label. */
    public static String namespace(String field, String name) {
        if (!LabelSyntax.isDnsLabel(name)) {
            throw CommandRejectedException.invalid(
                    field,
                    "namespace name " + LabelSyntax.quote(name)
                            + " must be a DNS label: 1-63 lower-case alphanumerics or '-', starting and ending alphanumeric");
        }
        return name;
    }

    /** A pod name: a DNS-1123 subdomain. */
    public static String pod(String field, String name) {
        if (name == null || name.isEmpty()) {
            throw CommandRejectedException.invalid(field, "pod name must not be empty");
        }
        if (!LabelSyntax.isDnsSubdomain(name)) {
            throw CommandRejectedException.invalid(
                    field,
                    "pod name " + LabelSyntax.quote(name)
                            + " must be a DNS subdomain: at most 253 lower-case alphanumerics, '-' or '.'");
        }
        return name;
    }

    /** A node name: a DNS-1123 subdomain. */
    public static String node(String field, String name) {
        if (!LabelSyntax.isDnsSubdomain(name)) {
            throw CommandRejectedException.invalid(
                    field,
                    "node name " + LabelSyntax.quote(name)
                            + " must be a non-empty DNS subdomain: at most 253 lower-case alphanumerics, '-' or '.'");
        }
        return name;
    }

    /** A service account name (a DNS-1123 subdomain); none ({@code null} or empty) is {@code ""}. */
    public static String serviceAccount(String field, String name) {
        if (name == null || name.isEmpty()) {
            return "";
        }
        if (!LabelSyntax.isDnsSubdomain(name)) {
            throw CommandRejectedException.invalid(
                    field,
                    "service account " + LabelSyntax.quote(name)
                            + " must be a DNS subdomain: at most 253 lower-case alphanumerics, '-' or '.'");
        }
        return name;
    }

    /** A pod uid: required; 1-128 letters, digits, '-', '_' or '.', starting with a letter or digit. */
    public static String uid(String field, String uid) {
        if (uid == null || uid.isEmpty()) {
            throw CommandRejectedException.invalid(field, "the pod uid is required");
        }
        if (!UID.matcher(uid).matches()) {
            throw CommandRejectedException.invalid(
                    field,
                    "uid " + LabelSyntax.quote(uid)
                            + " must be 1-128 letters, digits, '-', '_' or '.', starting with a letter or digit");
        }
        return uid;
    }
}
