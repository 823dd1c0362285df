package dev.tendril.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the benchmarks print beside their figures: how busy the machine was (docs/BENCHMARKS.md asks for it). */
public final class MachineLoad {

    private MachineLoad() {}

    /** The 1, 5 and 15 minute load averages of {@code /proc/loadavg} ("0.56 1.68 3.48"), or "unknown". */
    public static String averages() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
