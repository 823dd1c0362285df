package dev.tendril.cli.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tendril.cli.restart.SupervisorFile;
import dev.tendril.cli.stack.Component;

/**
 * A component and what its check found; {@code detail} says why it is not OK.
 *
 * @param restarts how often the launcher's supervisor started it again (null without a supervising launcher)
 * @param lastExit how its previous process ended, e.g. {@code killed by SIGKILL at 2026-...Z}
 * @param podNetwork an agent's pod network as its readiness says it ({@code kernel (tc), 4 programs}, {@code model:
 *                   tendril.agent.pod-network=model}); null for the other components or when it did not say
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ComponentHealth(
        String name,
        String kind,
        String address,
        Health status,
        String detail,
        Long pid,
        Integer restarts,
        String lastExit,
        String podNetwork) {

    public ComponentHealth(String name, String kind, String address, Health status, String detail, Long pid) {
        this(name, kind, address, status, detail, pid, null, null, null);
    }

    static ComponentHealth of(Component component, Health status, String detail) {
        return new ComponentHealth(
                component.name(), component.kind().json(), component.address(), status, detail, component.pid());
    }

    ComponentHealth withPodNetwork(String text) {
        return new ComponentHealth(name, kind, address, status, detail, pid, restarts, lastExit, text);
    }

    /** With the supervisor's count of restarts and the last exit; its pid is the current one. */
    ComponentHealth supervised(SupervisorFile.Supervised supervised) {
        String exit = supervised.lastExit() == null
                ? null
                : supervised.lastExit().reason() + " at "
                        + supervised.lastExit().at();
        return new ComponentHealth(
                name,
                kind,
                address,
                status,
                detail,
                supervised.pid() == null ? pid : supervised.pid(),
                supervised.restarts(),
                exit,
                podNetwork);
    }

    public boolean ok() {
        return status == Health.OK;
    }
}
