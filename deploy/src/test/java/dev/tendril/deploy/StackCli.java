package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.cli.TendrilCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine;

/** The {@code tendril} CLI in this JVM against a test's stack, as a user runs it ({@code --data-dir} added). */
final class StackCli {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a command printed and its exit code. */
    record Result(String command, int code, String out, String err) {
        @Override
        public String toString() {
            return "tendril " + command + " -> exit " + code + "\n" + out + err;
        }
    }

    private final Path dataDir;

    StackCli(Path dataDir) {
        this.dataDir = dataDir;
    }

    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = TendrilCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        String[] all = Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--data-dir";
        all[args.length + 1] = dataDir.toString();
        int code = cmd.execute(all);
        return new Result(String.join(" ", args), code, out.toString(), err.toString());
    }

    /** Runs the command and asserts it exited 0. */
    Result ok(String... args) {
        Result result = run(args);
        assertThat(result.code()).as(result.toString()).isZero();
        return result;
    }

    static JsonNode json(Result result) {
        try {
            return JSON.readTree(result.out());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + result, e);
        }
    }

    static Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> list = new ArrayList<>();
        array.forEach(list::add);
        return list.stream();
    }
}
