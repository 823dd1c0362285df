package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirTest {

    @TempDir
    Path root;

    private final PrintStream out = new PrintStream(new ByteArrayOutputStream());

    @Test
    void claimingWritesThisProcessAsTheLauncherAndReleasingRemovesIt() throws IOException {
        DataDir dataDir = new DataDir(root);

        dataDir.claim(out, false);

        assertThat(Files.readString(root.resolve(DataDir.PID_FILE)).trim())
                .isEqualTo(Long.toString(ProcessHandle.current().pid()));
        assertThat(root.resolve(DataDir.LOGS)).isDirectory();
        dataDir.release();
        assertThat(root.resolve(DataDir.PID_FILE)).doesNotExist();
    }

    @Test
    void takesOverFromALauncherThatIsNoLongerRunning() throws IOException, InterruptedException {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.writeString(root.resolve(DataDir.PID_FILE), gone.pid() + "\n");

        new DataDir(root).claim(out, false);

        assertThat(Files.readString(root.resolve(DataDir.PID_FILE)).trim())
                .isEqualTo(Long.toString(ProcessHandle.current().pid()));
    }

    @Test
    void freshStartDeletesWhatThePreviousRunStored() throws IOException {
        Files.createDirectories(root.resolve("kafka/kafka-logs"));
        Files.writeString(root.resolve("kafka/kafka-logs/meta.properties"), "x");
        Files.createDirectories(root.resolve("logs"));
        Files.writeString(root.resolve("logs/identity.log"), "old");
        Files.writeString(root.resolve("logs/launcher.log"), "written by this (detached) launcher");
        Files.writeString(root.resolve("stack.json"), "{}");
        Files.createDirectories(root.resolve("launcher/lib"));

        new DataDir(root).claim(out, true);

        assertThat(root.resolve("kafka")).doesNotExist();
        assertThat(root.resolve("stack.json")).doesNotExist();
        assertThat(root.resolve("logs/identity.log")).doesNotExist();
        assertThat(root.resolve("logs/launcher.log")).exists();
        assertThat(root.resolve("launcher/lib")).isDirectory();
    }

    @Test
    void freshStartRefusesToWipeADirectoryWithFilesTheLauncherDidNotCreate() throws IOException {
        Files.writeString(root.resolve("thesis.tex"), "precious");
        Files.createDirectories(root.resolve("kafka"));

        assertThatThrownBy(() -> new DataDir(root).claim(out, true))
                .isInstanceOf(StartupFailure.class)
                .hasMessageContaining("refuses to wipe")
                .hasMessageContaining("thesis.tex");
        assertThat(root.resolve("thesis.tex")).exists();
        assertThat(root.resolve("kafka")).exists();
    }
}
