package dev.tendril.cli.stack;

import dev.tendril.cli.config.ConfigDiscovery;
import dev.tendril.cli.config.ConfigFile;
import dev.tendril.security.ClientTls;
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

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description =
                    "The CLI's config file: the stack's authority and your certificate (default: $TENDRIL_CONFIG, "
                            + "else ~/.tendril/config, else the stack's DATA/tendril.conf).")
    Path config;

    /**
     * The data directory: {@code --data-dir}, else {@code $TENDRIL_DATA_DIR}, else the {@code data-dir} of a config
     * file given by flag, environment or home directory, else {@code ./.tendril}.
     */
    public Path dataDir() {
        if (dataDir != null) {
            return dataDir;
        }
        String fromEnv = System.getenv(DATA_DIR_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Path.of(fromEnv);
        }
        Path fallback = Path.of(".tendril");
        return ConfigDiscovery.locate(config, fallback)
                .filter(found -> !found.file().equals(fallback.resolve(ConfigDiscovery.STACK_CONFIG)))
                .map(found -> ConfigFile.read(found.file()).dataDir())
                .filter(java.util.Objects::nonNull)
                .orElse(fallback);
    }

    /** The {@code --config} given, or null: {@code tendril demo} passes it on to the commands it runs. */
    public Path configFlag() {
        return config;
    }

    /** How to reach the stack: the TLS of the config file found, else plaintext. */
    public ClientTls clientTls() {
        return ConfigDiscovery.locate(config, dataDir())
                .map(found -> ConfigFile.read(found.file()).tls())
                .orElse(ClientTls.PLAINTEXT);
    }

    public Stack stack() {
        return Stack.load(dataDir()).withTls(clientTls());
    }
}
