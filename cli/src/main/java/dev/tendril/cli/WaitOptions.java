package dev.tendril.cli;

import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The {@code --wait} and {@code --timeout} options of the commands that can wait for components of the local
 * stack to be healthy ({@code status}, {@code restart}); each command gives its own default timeout.
 */
public final class WaitOptions {

    @Option(names = "--wait", description = "Wait until the components concerned are healthy (or the timeout passes).")
    boolean enabled;

    // Kept as the text an operator writes (checked when parsed) so that the help shows the default as "60s".
    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            converter = CheckedDuration.class,
            description = "How long --wait waits, e.g. 90s or 2m (default: ${DEFAULT-VALUE}).")
    String timeout;

    public WaitOptions(Duration defaultTimeout) {
        timeout = DurationConverter.format(defaultTimeout);
    }

    /** True for {@code --wait}. */
    public boolean enabled() {
        return enabled;
    }

    public Duration timeout() {
        return new DurationConverter().convert(timeout);
    }

    /** Refuses what {@link DurationConverter} cannot read, at parse time, keeping the text. */
    public static final class CheckedDuration implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            new DurationConverter().convert(value);
            return value;
        }
    }
}
