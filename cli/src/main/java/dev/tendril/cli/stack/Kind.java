package dev.tendril.cli.stack;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a component of the stack is; decides how its health is checked. */
public enum Kind {
    POSTGRES,
    KAFKA,
    SERVICE,
    AGENT,
    /** MirrorMaker 2 copying a ClusterMesh peer's topics into this stack's Kafka (docs/clustermesh.md). */
    MIRROR;

    /** Services and agents answer {@code /q/health/ready}; Kafka and PostgreSQL are checked by a TCP connect. */
    public boolean hasHealthEndpoint() {
        return this == SERVICE || this == AGENT;
    }

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Kind fromJson(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
