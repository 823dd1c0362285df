package dev.tendril.k8s.labels;

import java.util.Set;

/** The label sources Tendril knows, as Cilium names them. */
public final class LabelSource {

    public static final String K8S = "k8s";
    public static final String RESERVED = "reserved";
    public static final String CIDR = "cidr";
    public static final String UNSPEC = "unspec";
    public static final String CONTAINER = "container";

    /** Matches every source in a selector or filter; never the source of a label. */
    public static final String ANY = "any";

    /** Every source a label may have. */
    public static final Set<String> ALL = Set.of(K8S, RESERVED, CIDR, UNSPEC, CONTAINER);

    private LabelSource() {}
}
