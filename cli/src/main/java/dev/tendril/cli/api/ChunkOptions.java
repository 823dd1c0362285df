package dev.tendril.cli.api;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * How a list the service serves in pages is fetched: {@code --chunk-size} rows per request (kubectl's flag and
 * default), each chunk printed as it arrives, and at most {@code --limit} rows in all.
 */
public final class ChunkOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(
            names = "--chunk-size",
            paramLabel = "N",
            defaultValue = "500",
            description = "Fetch the list in chunks of N rows, printing each as it arrives (0: all in one request;"
                    + " default: ${DEFAULT-VALUE}). Columns are as wide as each chunk needs, as in kubectl.")
    int chunkSize;

    @Option(names = "--limit", paramLabel = "N", description = "List at most N rows.")
    Integer limit;

    /** Rows to ask for next, having printed {@code printed}; null asks for all. */
    Integer nextRequest(int printed) {
        if (chunkSize < 0) {
            throw new ParameterException(spec.commandLine(), "--chunk-size must be 0 or more, not " + chunkSize);
        }
        if (limit != null && limit < 1) {
            throw new ParameterException(spec.commandLine(), "--limit must be 1 or more, not " + limit);
        }
        if (limit == null) {
            return chunkSize == 0 ? null : chunkSize;
        }
        int left = limit - printed;
        return chunkSize == 0 ? left : Math.min(chunkSize, left);
    }

    /** Whether to ask for another page. */
    boolean wantsMore(int printed) {
        return limit == null || printed < limit;
    }
}
