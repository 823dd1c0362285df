package dev.tendril.cli.apply;

import java.util.List;

/**
 * Applies and deletes the manifests of some kinds through the service that owns them. Supporting a new kind
 * (Pod, Service) is one implementation, listed in {@link ManifestKinds}.
 *
 * <p>{@code apply} first calls {@link #check} for every document of every handler, then {@link #dryRun} of
 * every handler, and only when neither found a problem {@link #apply} of each handler in turn.
 */
public interface ManifestKindHandler {

    /** The kinds this handler takes. */
    List<ManifestKind> kinds();

    /**
     * Checks one document without asking a server; {@code kind}, {@code apiVersion} and {@code metadata.name}
     * have been checked already. Problems go to {@code errors}.
     */
    void check(Manifest manifest, List<ManifestError> errors);

    /**
     * Asks the owning service what applying {@code manifests} would do, changing nothing. Rejections go to
     * {@code errors}, each naming its file and document.
     */
    ApplyResult dryRun(List<Manifest> manifests, List<ManifestError> errors);

    /** Applies {@code manifests}, which passed {@link #check} and {@link #dryRun}. */
    ApplyResult apply(List<Manifest> manifests);

    /**
     * Deletes the object of one document; a {@link dev.tendril.cli.api.ServiceException} that is
     * {@code notFound()} when there is no such object.
     */
    Outcome delete(Manifest manifest);

    /**
     * As {@link #delete(Manifest)}, with {@code tendril delete --grace-period}; only kinds with a grace period
     * (Pod) use it.
     *
     * @param gracePeriodSeconds null when the flag is absent
     */
    default Outcome delete(Manifest manifest, Integer gracePeriodSeconds) {
        return delete(manifest);
    }

    /** What deleting the document needs beyond its name (Pod: a valid grace period); names are checked already. */
    default void checkForDelete(Manifest manifest, List<ManifestError> errors) {}
}
