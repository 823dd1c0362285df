package dev.tendril.deploy;

import dev.tendril.cli.restart.SupervisorFile;
import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.StackFile;
import java.nio.file.Path;

/** What a running test stack's files say now: stack.json's components and the supervisor's view of them. */
final class StackFiles {

    private StackFiles() {}

    /** The component named {@code name} in the stack's stack.json, as the launcher last wrote it. */
    static Component component(Path dataDir, String name) {
        return StackFile.read(dataDir).orElseThrow().components().stream()
                .filter(c -> c.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no component " + name + " in " + dataDir + "/stack.json"));
    }

    /** The supervisor's state of the component named {@code name}: pid, restarts, last exit. */
    static SupervisorFile.Supervised supervised(Path dataDir, String name) {
        return SupervisorFile.read(dataDir).orElseThrow().component(name).orElseThrow();
    }
}
