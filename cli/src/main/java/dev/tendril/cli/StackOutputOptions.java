package dev.tendril.cli;

import dev.tendril.cli.stack.Stack;
import dev.tendril.cli.stack.StackOption;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every command that asks the local stack and prints data takes, {@code --data-dir} (where the
 * stack's addresses are) and {@code -o}, with the command's own output streams: one {@code @Mixin} in
 * each such command instead of the same three fields.
 */
public final class StackOutputOptions {

    @Mixin
    StackOption stackOption;

    @Mixin
    OutputOption output;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    public Stack stack() {
        return stackOption.stack();
    }

    public Path dataDir() {
        return stackOption.dataDir();
    }

    /** How to reach the stack: the config file's TLS, else plaintext. */
    public dev.tendril.security.ClientTls clientTls() {
        return stackOption.clientTls();
    }

    /** True for {@code -o json}. */
    public boolean json() {
        return output.json();
    }

    public OutputOption output() {
        return output;
    }

    public PrintWriter out() {
        return spec.commandLine().getOut();
    }

    public PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** Prints {@code value} as indented JSON on the command's standard output. */
    public void printJson(Object value) {
        OutputOption.printJson(out(), value);
    }

    /** A usage error of the command (exit 2, the message and a hint at --help). */
    public CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
