package dev.tendril.identity.adapters.rest;

import java.util.List;

/** {@code POST /v1/identities}: labels as {@code source:key=value}. */
public record AllocateRequest(List<String> labels) {}
