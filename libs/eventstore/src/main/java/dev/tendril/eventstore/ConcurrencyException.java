package dev.tendril.eventstore;

/**
 * An append was refused because the stream moved on since the caller read it. Retrying the command
 * on a fresh read is always safe: nothing of the refused append was written.
 */
public final class ConcurrencyException extends RuntimeException {

    private final String streamId;
    private final long expectedVersion;
    private final long actualVersion;

    public ConcurrencyException(String streamId, long expectedVersion, long actualVersion) {
        super("stream '" + streamId + "' is at version " + actualVersion + ", expected " + expectedVersion
                + ": it was changed concurrently; re-read and retry");
        this.streamId = streamId;
        this.expectedVersion = expectedVersion;
        this.actualVersion = actualVersion;
    }

    ConcurrencyException(String streamId, long version, String reason) {
        super("stream '" + streamId + "' at version " + version + ": " + reason);
        this.streamId = streamId;
        this.expectedVersion = version;
        this.actualVersion = version;
    }

    public String streamId() {
        return streamId;
    }

    public long expectedVersion() {
        return expectedVersion;
    }

    public long actualVersion() {
        return actualVersion;
    }
}
