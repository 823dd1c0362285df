package dev.tendril.cli.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the CLI's config file is, the way {@code kubectl} finds its kubeconfig: the {@code --config} flag, else
 * {@code $TENDRIL_CONFIG}, else {@code ~/.tendril/config}; and, Tendril's own last step, the local stack's
 * {@code <data-dir>/tendril.conf} that {@code ./tendril up} writes, so that the README's commands need no flag.
 */
public final class ConfigDiscovery {

    public static final String ENV = "TENDRIL_CONFIG";
    public static final String STACK_CONFIG = "tendril.conf";
    static final Path HOME_CONFIG = Path.of(".tendril", "config");

    /**
     * @param file  the config file and how it was found ({@code --config}, {@code $TENDRIL_CONFIG},
     *              {@code ~/.tendril/config}, {@code the stack's data directory})
     */
    public record Found(Path file, String how) {}

    private ConfigDiscovery() {}

    /**
     * The config to use. A flag or environment variable naming a file that does not exist is an error (the user
     * asked for it); the default path and the stack's file are skipped when absent. Empty: no config, plaintext.
     *
     * @param flag    {@code --config}, or null
     * @param env     {@code $TENDRIL_CONFIG}, or null
     * @param home    the user's home directory, or null
     * @param dataDir the local stack's data directory (from {@code --data-dir}, {@code $TENDRIL_DATA_DIR} or
     *                {@code ./.tendril})
     */
    public static Optional<Found> locate(Path flag, String env, Path home, Path dataDir) {
        if (flag != null) {
            return Optional.of(existing(flag, "--config"));
        }
        if (env != null && !env.isBlank()) {
            return Optional.of(existing(Path.of(env), "$" + ENV));
        }
        if (home != null && Files.isRegularFile(home.resolve(HOME_CONFIG))) {
            return Optional.of(new Found(home.resolve(HOME_CONFIG), "~/" + HOME_CONFIG));
        }
        Path stack = dataDir.resolve(STACK_CONFIG);
        if (Files.isRegularFile(stack)) {
            return Optional.of(new Found(stack, "the stack's data directory"));
        }
        return Optional.empty();
    }

    /** {@link #locate} with this process's environment and home directory. */
    public static Optional<Found> locate(Path flag, Path dataDir) {
        String home = System.getProperty("user.home");
        return locate(flag, System.getenv(ENV), home == null ? null : Path.of(home), dataDir);
    }

    private static Found existing(Path file, String how) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("config file " + file + " (from " + how + ") does not exist");
        }
        return new Found(file, how);
    }
}
