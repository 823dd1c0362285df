package dev.tendril.identity.adapters.persistence;

/**
 * The refusal's former name, still thrown by the {@code tendril.nodes} follower
 * ({@code adapters.kafka.NodesConsumer}) until the shared topic follower replaces it; it is an
 * {@link dev.tendril.identity.app.UnknownReferenceException}, so the REST and gRPC mappings answer it alike.
 */
public final class UnknownReferenceException extends dev.tendril.identity.app.UnknownReferenceException {

    public UnknownReferenceException(String field, String reason) {
        super(field, reason);
    }
}
