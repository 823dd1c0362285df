package dev.tendril.ipam.domain;

import java.util.List;

/** The IPAM configuration breaks a rule; the message lists every problem so one restart fixes them all. */
public final class InvalidIpamConfigException extends IllegalArgumentException {

    private final List<String> problems;

    public InvalidIpamConfigException(List<String> problems) {
        super("invalid IPAM configuration: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
