package dev.tendril.cli.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tendril.cli.stack.Component;

/** A component and what its check found; {@code detail} says why it is not OK. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ComponentHealth(String name, String kind, String address, Health status, String detail, Long pid) {

    static ComponentHealth of(Component component, Health status, String detail) {
        return new ComponentHealth(component.name(), component.kind().json(), component.address(), status, detail,
                component.pid());
    }

    public boolean ok() {
        return status == Health.OK;
    }
}
