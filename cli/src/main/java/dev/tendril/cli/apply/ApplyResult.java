package dev.tendril.cli.apply;

import java.util.List;

/** What one handler did (or, in a dry run, would do) with its documents, and the service's warnings. */
public record ApplyResult(List<Outcome> outcomes, List<String> warnings) {

    public ApplyResult {
        outcomes = List.copyOf(outcomes);
        warnings = List.copyOf(warnings);
    }
}
