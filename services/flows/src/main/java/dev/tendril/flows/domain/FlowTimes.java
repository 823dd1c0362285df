package dev.tendril.flows.domain;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The times of {@code since} and {@code until}, as {@code hubble observe} takes them. */
public final class FlowTimes {
    private static final Pattern RELATIVE = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private FlowTimes() {}

    /**
     * An RFC 3339 time ({@code 2026-11-26T14:31:07Z}) or a duration before {@code nowNanos}
     * ({@code 90s}, {@code 5m}, {@code 2h}, {@code 1d}, optionally followed by {@code  ago}), as Unix ns.
     */
    public static long time(String text, String field, long nowNanos) {
        String value = text.trim();
        if (value.endsWith(" ago")) {
            value = value.substring(0, value.length() - 4).trim();
        }
        Matcher relative = RELATIVE.matcher(value);
        if (relative.matches()) {
            long amount = Long.parseLong(relative.group(1));
            long unit = switch (relative.group(2)) {
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> 86_400_000_000_000L;
            };
            return nowNanos - amount * unit;
        }
        try {
            Instant instant = Instant.parse(value);
            return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
        } catch (DateTimeParseException e) {
            throw new InvalidFilterException(
                    field, "'" + text + "' is neither an RFC 3339 time nor a duration like 5m");
        }
    }
}
