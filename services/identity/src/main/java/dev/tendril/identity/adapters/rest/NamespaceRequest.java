package dev.tendril.identity.adapters.rest;

import java.util.Map;

/** {@code PUT /v1/namespaces/{name}}. */
public record NamespaceRequest(Map<String, String> labels) {}
