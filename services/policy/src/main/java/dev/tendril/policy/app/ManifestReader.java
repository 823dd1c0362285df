package dev.tendril.policy.app;

import dev.tendril.policy.domain.Manifest;
import dev.tendril.policy.domain.Policy;

/** Port: the policy a stored manifest describes. */
@FunctionalInterface
public interface ManifestReader {

    /** @throws RuntimeException when the manifest does not (or no longer) describe a valid policy */
    Policy policy(Manifest manifest);
}
