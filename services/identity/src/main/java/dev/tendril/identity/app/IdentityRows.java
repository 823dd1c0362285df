package dev.tendril.identity.app;

import dev.tendril.identity.domain.IdRange;
import dev.tendril.k8s.labels.Labels;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Port: the identities read model, one row per allocated identity, unique by id and by label set. The
 * rows are the locks that make allocate-or-reuse atomic across replicas: a claimed row is held until
 * commit, and an endpoint's use is counted in the statement that finds the row.
 */
public interface IdentityRows {

    /** An identity no endpoint uses, row-locked for release. */
    record Unused(long id, Labels labels, long streamVersion) {}

    /** The identity of a label set, if allocated. */
    OptionalLong idOf(Labels labels);

    /** As {@link #idOf}, counting one more endpoint use in the same statement (which row-locks it against GC). */
    OptionalLong useIdOf(Labels labels);

    /**
     * Claims {@code id} for the label set, with one endpoint use if {@code forEndpoint}, else unused since
     * now; returns the version the id's stream {@code streamId} will have after its allocation event, or 0
     * when the id or the label set is taken (then nothing changed). A claim of a row another transaction
     * is claiming waits for that transaction to end.
     */
    long claim(long id, String streamId, Labels labels, boolean forEndpoint);

    /** The lowest id of the range no identity holds. */
    OptionalLong lowestFree(IdRange range);

    /** Whether the identity is allocated to exactly this label set. */
    boolean hasLabels(long id, Labels labels);

    /** One endpoint use fewer; the last one starts the identity's grace period. */
    void releaseUse(long id);

    /**
     * Up to {@code limit} identities unused for {@code grace}, longest unused first, none with a
     * {@code cidr:} label, row-locked skipping rows other transactions hold.
     */
    List<Unused> lockUnused(Duration grace, int limit);

    /** Every unused identity with a {@code cidr:} or {@code reserved:} label, by id, row-locked skipping held rows. */
    List<Unused> lockUnusedCidrOrReserved();

    void delete(List<Long> ids);

    Optional<IdentityRecord> byId(long id);

    /** Identities holding every label of {@code filter}, by id. */
    List<IdentityRecord> holdingAll(Labels filter, int limit);
}
