package dev.tendril.cli.apply;

import java.io.InputStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/** The {@code -f}, {@code -R} and {@code -n} options of {@code apply} and {@code delete}, and reading what they name. */
public final class ManifestOptions {

    @Option(
            names = {"-f", "--filename"},
            paramLabel = "FILE|DIR|-",
            required = true,
            description = "A manifest file, a directory of *.yaml, *.yml and *.json files (in name order),"
                    + " or - for standard input. Repeatable.")
    List<String> files = new ArrayList<>();

    @Option(
            names = {"-R", "--recursive"},
            description = "Read the directories of -f and their sub-directories.")
    boolean recursive;

    @Option(
            names = {"-n", "--namespace"},
            paramLabel = "NAMESPACE",
            description =
                    "Namespace of documents that name none (default: default); documents naming another are rejected.")
    String namespace;

    /**
     * Reads and checks every document of every file; the valid ones grouped by handler in apply order. Problems
     * go to {@code errors}, including that there was nothing to read.
     */
    Map<ManifestKindHandler, List<Manifest>> readAndCheck(
            ManifestKinds kinds, Supplier<InputStream> stdin, List<ManifestError> errors) {
        return kinds.check(read(stdin, errors), namespace, errors);
    }

    /** As {@link #readAndCheck}, checking only what names each object ({@link ManifestKinds#checkForDelete}). */
    Map<ManifestKindHandler, List<Manifest>> readAndCheckForDelete(
            ManifestKinds kinds, Supplier<InputStream> stdin, List<ManifestError> errors) {
        return kinds.checkForDelete(read(stdin, errors), namespace, errors);
    }

    private List<Manifest> read(Supplier<InputStream> stdin, List<ManifestError> errors) {
        ManifestReader.Result read = new ManifestReader(recursive, stdin).read(files);
        errors.addAll(read.errors());
        if (read.manifests().isEmpty() && errors.isEmpty()) {
            errors.add(new ManifestError(null, 0, null, "no objects in " + String.join(", ", files)));
        }
        return read.manifests();
    }

    /** Prints each problem on its own line, then what was not done; the exit code of a rejected command. */
    static int rejected(PrintWriter err, List<ManifestError> errors, String notDone) {
        errors.forEach(error -> err.println("Error: " + error.message()));
        err.println(notDone + ": " + errors.size() + (errors.size() == 1 ? " error" : " errors"));
        err.flush();
        return dev.tendril.cli.TendrilCommand.EXIT_ERROR;
    }
}
