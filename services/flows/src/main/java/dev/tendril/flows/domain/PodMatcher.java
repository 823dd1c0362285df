package dev.tendril.flows.domain;

import java.util.List;

/**
 * Hubble's pod (and service) name filter: {@code ns/prefix}; {@code ns/} is the whole namespace;
 * a bare {@code prefix} is {@code default/prefix}; an empty namespace ({@code /prefix}, and
 * {@code /} which {@code observe -A} sends) is any namespace. An endpoint with neither namespace nor
 * pod name (the world, a host) matches none.
 */
record PodMatcher(String namespace, String podPrefix) {

    static PodMatcher parse(String text, String field) {
        String value = text.trim();
        if (value.isEmpty()) {
            throw new InvalidFilterException(field, "empty pod filter: must be [namespace/][<name>]");
        }
        int slash = value.indexOf('/');
        if (slash < 0) {
            return new PodMatcher("default", value);
        }
        if (value.indexOf('/', slash + 1) >= 0) {
            throw new InvalidFilterException(field, "'" + text + "' is not [namespace/][<name>]");
        }
        return new PodMatcher(value.substring(0, slash), value.substring(slash + 1));
    }

    boolean matches(Peer peer) {
        if (peer.namespace().isEmpty() && peer.pod().isEmpty()) {
            return false;
        }
        if (!namespace.isEmpty() && !namespace.equals(peer.namespace())) {
            return false;
        }
        return podPrefix.isEmpty() || peer.pod().startsWith(podPrefix);
    }

    static boolean any(List<PodMatcher> pods, Peer peer) {
        for (PodMatcher pod : pods) {
            if (pod.matches(peer)) {
                return true;
            }
        }
        return false;
    }
}
