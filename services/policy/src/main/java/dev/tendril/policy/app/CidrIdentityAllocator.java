package dev.tendril.policy.app;

import java.util.Collection;

/**
 * Port: makes sure every CIDR a policy names has an identity. Asynchronous: the identity comes back through
 * the identities the runtime follows.
 */
public interface CidrIdentityAllocator {

    /** Queues prefixes (e.g. {@code 10.0.0.0/8}) that have no identity yet; returns at once. */
    void ensure(Collection<String> prefixes);
}
