package dev.tendril.policy.domain;

import java.util.List;

/** Manifests were rejected; nothing of the input applies. */
public final class PolicyValidationException extends RuntimeException {

    private final transient List<ValidationError> errors;

    public PolicyValidationException(List<ValidationError> errors) {
        super(errors.size() + " validation error(s): "
                + String.join("; ", errors.stream().map(Object::toString).toList()));
        this.errors = List.copyOf(errors);
    }

    public List<ValidationError> errors() {
        return errors;
    }
}
