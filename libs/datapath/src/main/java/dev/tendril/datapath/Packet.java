package dev.tendril.datapath;

import dev.tendril.datapath.policymap.Direction;
import java.net.InetAddress;

/**
 * What the policy decision needs of a packet, and where it is evaluated: {@code direction} says whose
 * policy map is consulted (the source endpoint's for EGRESS, the destination endpoint's for INGRESS).
 *
 * @param source source address
 * @param destination destination address
 * @param protocol IP protocol number (6 TCP, 17 UDP, 132 SCTP, ...)
 * @param destinationPort 0..65535; 0 for protocols without ports
 * @param direction which side's policy map decides
 */
public record Packet(
        InetAddress source, InetAddress destination, int protocol, int destinationPort, Direction direction) {
    public Packet {
        if (source == null) {
            throw new IllegalArgumentException("source must not be null");
        }
        if (destination == null) {
            throw new IllegalArgumentException("destination must not be null");
        }
        if (protocol < 0 || protocol > 0xFF) {
            throw new IllegalArgumentException("protocol must be 0..255, got " + protocol);
        }
        if (destinationPort < 0 || destinationPort > 0xFFFF) {
            throw new IllegalArgumentException("destinationPort must be 0..65535, got " + destinationPort);
        }
        if (direction == null) {
            throw new IllegalArgumentException("direction must not be null");
        }
    }

    /** The peer whose identity the policy map is keyed by: the source on ingress, the destination on egress. */
    public InetAddress remote() {
        return direction == Direction.INGRESS ? source : destination;
    }
}
