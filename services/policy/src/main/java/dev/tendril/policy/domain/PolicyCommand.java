package dev.tendril.policy.domain;

/**
 * What a request asks of one policy (stream {@code policy/<Kind>/<namespace>/<name>}). {@code revision}
 * is the service-wide policy revision the request commits under if it changes anything.
 */
public sealed interface PolicyCommand {

    PolicyRef ref();

    /** Make {@code manifest} the policy's current version. */
    record ApplyPolicy(PolicyRef ref, Manifest manifest, long revision) implements PolicyCommand {}

    /** Remove the policy; refused when it does not exist. */
    record DeletePolicy(PolicyRef ref, long revision) implements PolicyCommand {}
}
