package dev.tendril.cli;

import java.io.Console;
import java.io.PrintWriter;

/**
 * Progress of a long command, on standard error so that standard output stays the result: on a terminal one line
 * rewritten in place behind a spinner, elsewhere (logs, CI) a plain line each time the message changes.
 */
public final class Progress {

    private static final String SPINNER = "|/-\\";

    private final PrintWriter err;
    private final boolean terminal;
    private String last;
    private int frame;
    private int width;

    public Progress(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    /** Whether standard output and input are an interactive terminal. */
    public static boolean onTerminal() {
        Console console = System.console();
        return console != null && console.isTerminal();
    }

    /** Shows {@code message}: rewrites the line on a terminal, prints it when it differs from the last one elsewhere. */
    public void update(String message) {
        if (terminal) {
            String line = SPINNER.charAt(frame++ % SPINNER.length()) + " " + message;
            err.print("\r" + line + " ".repeat(Math.max(0, width - line.length())));
            width = line.length();
            err.flush();
        } else if (!message.equals(last)) {
            err.println(message);
            err.flush();
        }
        last = message;
    }

    /** Clears the progress line of a terminal, so the result starts on a clean line. */
    public void done() {
        if (terminal && width > 0) {
            err.print("\r" + " ".repeat(width) + "\r");
            err.flush();
            width = 0;
        }
    }
}
