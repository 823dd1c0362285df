package dev.tendril.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.cli.TendrilCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tendril demo} before it talks to any component: where it finds the manifests. The walkthrough itself runs
 * against a real stack in deploy's WalkthroughEndToEndTest.
 */
class DemoCommandTest {

    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {}

    private Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = TendrilCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void explainsWhereItLooksWhenNoExamplesAreUnderTheCurrentDirectory() {
        // Tests run in cli/, which has no deploy/examples.
        Result result = run("demo", "--data-dir", dir.toString());

        assertThat(result.code()).isEqualTo(TendrilCommand.EXIT_USAGE);
        assertThat(result.err())
                .contains("no deploy/examples/demo.yaml under the current directory")
                .contains("run from the repository root or pass --examples DIR");
        assertThat(result.out()).isEmpty();
    }

    @Test
    void observesTheDemosDropsWithACommandLineTheCliAccepts() {
        assertThat(DemoCommand.OBSERVE)
                .containsExactly("observe", "--namespace", "demo", "--verdict", "DROPPED", "--last", "5");
        CommandLine.ParseResult parsed = TendrilCommand.commandLine().parseArgs(DemoCommand.OBSERVE);

        assertThat(parsed.subcommand().commandSpec().name()).isEqualTo("observe");
        assertThat(parsed.subcommand().matchedOptionValue("--verdict", java.util.List.of()))
                .containsExactly("DROPPED");
        assertThat(run("demo", "--help").out()).contains("trace and observe the drop");
    }

    @Test
    void namesTheMissingManifestOfTheGivenDirectory() throws IOException {
        Files.writeString(dir.resolve("demo.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata: {name: demo}\n");

        Result result = run("demo", "--examples", dir.toString(), "--data-dir", dir.toString());

        assertThat(result.code()).isEqualTo(TendrilCommand.EXIT_USAGE);
        assertThat(result.err()).contains("no demo-policies.yaml in " + dir);
    }
}
