package dev.tendril.deploy;

import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/** What the launcher checks before it starts the components: built jars and free ports. */
final class StartChecks {

    private StartChecks() {}

    /** The components whose jar is built; the others are skipped, saying so. */
    static List<ComponentSpec> runnable(PrintStream out, List<ComponentSpec> specs) {
        List<ComponentSpec> runnable = new ArrayList<>();
        for (ComponentSpec spec : specs) {
            if (Files.isRegularFile(spec.jar())) {
                runnable.add(spec);
            } else {
                out.printf("%-10s skipped: %s is not built (./mvnw -B -DskipTests install)%n", spec.name(), spec.jar());
            }
        }
        return runnable;
    }

    /** Refuses to start when a component's port is taken, naming them and what to do. */
    static void checkPortsFree(StackConfig config, List<ComponentSpec> specs) {
        List<String> taken = specs.stream()
                .filter(spec -> !Ports.isFree(spec.port()))
                .map(spec -> spec.name() + " " + spec.port())
                .toList();
        if (!taken.isEmpty()) {
            throw new StartupFailure("ports already in use: " + String.join(", ", taken)
                    + ". Is another stack running? Stop it ('./tendril down" + config.dataDirOption()
                    + "') or shift the ports with --port-offset.");
        }
    }
}
