package dev.tendril.policy.lb;

/** What a backend id stands for: an address, port and IP protocol number. */
public record BackendKey(String address, int port, int protocol) implements Comparable<BackendKey> {
    @Override
    public int compareTo(BackendKey o) {
        int c = address.compareTo(o.address);
        if (c != 0) {
            return c;
        }
        c = Integer.compare(port, o.port);
        return c != 0 ? c : Integer.compare(protocol, o.protocol);
    }
}
