package dev.tendril.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressTest {

    @Test
    void rewritesOneLineBehindASpinnerOnATerminalAndClearsItWhenDone() {
        StringWriter err = new StringWriter();
        Progress progress = new Progress(new PrintWriter(err), true);

        progress.update("3/8 components ready");
        progress.update("3/8 components ready");
        progress.update("10/10 components ready");
        progress.done();

        assertThat(err.toString())
                .isEqualTo("\r| 3/8 components ready"
                        + "\r/ 3/8 components ready"
                        + "\r- 10/10 components ready"
                        + "\r" + " ".repeat(24) + "\r");
    }

    @Test
    void printsAPlainLineOnlyWhenTheMessageChangesOffATerminal() {
        StringWriter err = new StringWriter();
        Progress progress = new Progress(new PrintWriter(err), false);

        progress.update("1/2 components ready");
        progress.update("1/2 components ready");
        progress.update("2/2 components ready");
        progress.done();

        assertThat(err.toString().lines()).containsExactly("1/2 components ready", "2/2 components ready");
    }
}
