package dev.tendril.cli.clustermesh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.cli.TendrilCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tendril clustermesh}'s input checks and its answer when no launcher runs (ClusterMeshEndToEndTest: the rest). */
class ClusterMeshCommandTest {

    @TempDir
    Path dataDir;

    private final StringWriter err = new StringWriter();

    @Test
    void connectNeedsThePeersDataDirectory() {
        int exit = run("clustermesh", "connect", "--to", "10.0.0.5:9092", "--data-dir", dataDir.toString());

        assertThat(exit).isEqualTo(TendrilCommand.EXIT_USAGE);
        assertThat(err.toString())
                .contains("--to 10.0.0.5:9092 is not a directory")
                .contains("not supported yet");
    }

    @Test
    void disconnectNeedsAClusterName() {
        int exit = run("clustermesh", "disconnect", "--from", "../West", "--data-dir", dataDir.toString());

        assertThat(exit).isEqualTo(TendrilCommand.EXIT_USAGE);
        assertThat(err.toString()).contains("--from must be a cluster name").contains("'../West'");
    }

    @Test
    void saysHowToStartALauncherWhenNoneRuns() {
        int exit = run("clustermesh", "status", "--data-dir", dataDir.toString());

        assertThat(exit).isEqualTo(TendrilCommand.EXIT_ERROR);
        assertThat(err.toString()).contains("no launcher runs from").contains("./tendril up");
    }

    private int run(String... args) {
        CommandLine cmd = TendrilCommand.commandLine();
        cmd.setOut(new PrintWriter(new StringWriter(), true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }
}
