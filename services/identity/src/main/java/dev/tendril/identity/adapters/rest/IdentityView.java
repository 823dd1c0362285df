package dev.tendril.identity.adapters.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** An identity as the API shows it; {@code name} only for reserved identities. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IdentityView(long id, List<String> labels, String name, Boolean reserved, Integer endpoints) {}
