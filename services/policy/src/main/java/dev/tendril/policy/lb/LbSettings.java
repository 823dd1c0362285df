package dev.tendril.policy.lb;

import dev.tendril.net.Cidr;

/** The service CIDRs, the NodePort range and the default ClientIP affinity timeout. */
public record LbSettings(Cidr serviceCidr4, Cidr serviceCidr6, int nodePortMin, int nodePortMax, int affinityTimeout) {

    /** Kubernetes' defaults: 10.96.0.0/12, fd00:10:96::/108, 30000-32767, 10800 s. */
    public static LbSettings defaults() {
        return new LbSettings(Cidr.parse("10.96.0.0/12"), Cidr.parse("fd00:10:96::/108"), 30000, 32767, 10800);
    }
}
