package dev.tendril.datapath.policymap;

/**
 * Traffic direction as seen by the endpoint that owns the policy map. The policy map key stores it as
 * the {@code egress} bit (0 ingress, 1 egress); Hubble's {@code TrafficDirection} numbers it 1 and 2.
 */
public enum Direction {
    INGRESS(0, 1),
    EGRESS(1, 2);

    private final int egressBit;
    private final int hubbleValue;

    Direction(int egressBit, int hubbleValue) {
        this.egressBit = egressBit;
        this.hubbleValue = hubbleValue;
    }

    /** The value of the {@code egress} bit in {@code struct policy_key}. */
    public int egressBit() {
        return egressBit;
    }

    /** {@code flow.TrafficDirection}: INGRESS 1, EGRESS 2. */
    public int hubbleValue() {
        return hubbleValue;
    }

    public static Direction ofEgressBit(int bit) {
        return switch (bit) {
            case 0 -> INGRESS;
            case 1 -> EGRESS;
            default -> throw new IllegalArgumentException("direction must be 0 (ingress) or 1 (egress), got " + bit);
        };
    }
}
