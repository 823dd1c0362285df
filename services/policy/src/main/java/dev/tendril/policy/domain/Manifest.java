package dev.tendril.policy.domain;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;

/**
 * A policy document as the operator sent it: a JSON object as a tree of maps, lists, strings, numbers,
 * booleans and nulls. The store keeps it, and an identical re-apply is recognised by it: two manifests are
 * equal when their trees are, whatever the order of their object fields.
 */
public record Manifest(Map<String, Object> document) {

    public Manifest {
        document = Collections.unmodifiableMap(Objects.requireNonNull(document, "document"));
    }
}
