package dev.tendril.flows.domain;

import java.util.List;

/**
 * The fields of a flow that only the rarer filters read: Cilium's monitor event type and sub-type
 * ({@code flow.CiliumEventType}: 1 drop, 4 trace, 5 policy verdict, ...), the drop reason
 * ({@code flow.DropReason} number, 0 unknown), the L7 record's kind ({@link #L7_NONE}, {@link #L7_DNS},
 * {@link #L7_HTTP}, {@link #L7_KAFKA}), the flow's UUID, the DNS names of each side and the labels of
 * the node that saw it ({@code node_labels}).
 */
public record FlowDetails(
        int eventType,
        int eventSubType,
        int dropReason,
        int l7,
        String uuid,
        List<String> sourceNames,
        List<String> destinationNames,
        List<dev.tendril.k8s.labels.Label> nodeLabels) {

    public static final int L7_NONE = 0;
    public static final int L7_DNS = 1;
    public static final int L7_HTTP = 2;
    public static final int L7_KAFKA = 3;

    public static final FlowDetails NONE = new FlowDetails(0, 0, 0, L7_NONE, "", List.of(), List.of(), List.of());

    public FlowDetails {
        sourceNames = List.copyOf(sourceNames);
        destinationNames = List.copyOf(destinationNames);
        nodeLabels = List.copyOf(nodeLabels);
    }

    public FlowDetails(
            int eventType,
            int eventSubType,
            int dropReason,
            int l7,
            String uuid,
            List<String> sourceNames,
            List<String> destinationNames) {
        this(eventType, eventSubType, dropReason, l7, uuid, sourceNames, destinationNames, List.of());
    }
}
