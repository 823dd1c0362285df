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
    void connectNeedsThePeersDataDirectoryOrItsLaunchersAddress() {
        int exit = run("clustermesh", "connect", "--to", "10.0.0.5:9092", "--data-dir", dataDir.toString());

        assertThat(exit).isEqualTo(TendrilCommand.EXIT_USAGE);
        assertThat(err.toString())
                .contains("--to 10.0.0.5:9092 is neither a directory")
                .contains("nor an address https://HOST:PORT");
    }

    @Test
    void anAddressNeedsThePeersConfigAndADirectoryNone() throws Exception {
        int withoutConfig =
                run("clustermesh", "connect", "--to", "https://10.0.0.5:7443", "--data-dir", dataDir.toString());
        assertThat(withoutConfig).isEqualTo(TendrilCommand.EXIT_USAGE);
        assertThat(err.toString()).contains("is an address: give --peer-config FILE");

        int missingConfig = run(
                "clustermesh",
                "connect",
                "--to",
                "https://10.0.0.5:7443",
                "--peer-config",
                dataDir.resolve("nope.conf").toString(),
                "--data-dir",
                dataDir.toString());
        assertThat(missingConfig).isEqualTo(TendrilCommand.EXIT_USAGE);
        assertThat(err.toString()).contains("--peer-config " + dataDir.resolve("nope.conf") + " is not a file");

        java.nio.file.Files.writeString(dataDir.resolve("peer.conf"), "kind: Config\n");
        int configWithDirectory = run(
                "clustermesh",
                "connect",
                "--to",
                dataDir.toString(),
                "--peer-config",
                dataDir.resolve("peer.conf").toString(),
                "--data-dir",
                dataDir.toString());
        assertThat(configWithDirectory).isEqualTo(TendrilCommand.EXIT_USAGE);
        assertThat(err.toString()).contains("--peer-config goes with an address");
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
