package dev.tendril.identity.app;

/** Port: what one transaction of {@link IdentityStorage} reads and writes. */
public interface StorageTransaction {

    EventStreams events();

    IdentityRows identities();

    EndpointRows endpoints();
}
