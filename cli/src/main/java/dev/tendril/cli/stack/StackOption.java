package dev.tendril.cli.stack;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --data-dir} option of commands that talk to the local stack. */
public final class StackOption {

    /** Set by the {@code tendril} script to the repository's {@code .tendril}, so the CLI finds it from any directory. */
    static final String DATA_DIR_ENV = "TENDRIL_DATA_DIR";

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "Data directory of the local stack (default: $TENDRIL_DATA_DIR, else ./.tendril).")
    Path dataDir;

    public Path dataDir() {
        if (dataDir != null) {
            return dataDir;
        }
        String fromEnv = System.getenv(DATA_DIR_ENV);
        return Path.of(fromEnv == null || fromEnv.isBlank() ? ".tendril" : fromEnv);
    }

    public Stack stack() {
        return Stack.load(dataDir());
    }
}
