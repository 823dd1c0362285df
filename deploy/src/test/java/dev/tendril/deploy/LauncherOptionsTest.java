package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code tendril up}'s options as parsed, without starting anything. */
class LauncherOptionsTest {

    @Test
    void datapathIsAutoByDefaultAndTakesKernelOrModelInAnyCase() {
        assertThat(parse().datapath).isEqualTo(Datapath.AUTO);
        assertThat(parse("--datapath", "kernel").datapath).isEqualTo(Datapath.KERNEL);
        assertThat(parse("--datapath", "MODEL").datapath).isEqualTo(Datapath.MODEL);
        assertThat(Datapath.KERNEL.property()).isEqualTo("kernel");
    }

    @Test
    void rejectsAnotherDatapathNamingTheChoices() {
        CommandLine cmd = Launcher.commandLine();
        StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err, true));

        int exit = cmd.execute("--datapath", "ebpf");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString())
                .contains("--datapath")
                .contains("KERNEL, MODEL, AUTO")
                .contains("tendril up --help");
    }

    @Test
    void runsOneKafkaBrokerByDefaultOrAClusterOfThreeAndRefusesOtherCounts() {
        assertThat(parse().brokers).isEqualTo(1);
        assertThat(parse("--brokers", "3").brokers).isEqualTo(3);
        CommandLine cmd = Launcher.commandLine();
        StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err, true));

        int exit = cmd.execute("--brokers", "2", "--repo", System.getProperty("java.io.tmpdir"));

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--brokers must be 1 or 3, was 2");
    }

    private static Launcher parse(String... args) {
        CommandLine cmd = Launcher.commandLine();
        cmd.parseArgs(args);
        return cmd.getCommand();
    }
}
