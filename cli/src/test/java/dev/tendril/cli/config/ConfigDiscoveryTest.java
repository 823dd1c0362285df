package dev.tendril.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 16: the CLI finds its config as kubectl does (flag, environment, home), then the local stack's file. */
class ConfigDiscoveryTest {

    @TempDir
    Path dir;

    private Path flag;
    private Path env;
    private Path home;
    private Path dataDir;

    @BeforeEach
    void files() throws Exception {
        flag = Files.writeString(dir.resolve("flag.conf"), "kind: Config");
        env = Files.writeString(dir.resolve("env.conf"), "kind: Config");
        home = dir.resolve("home");
        Files.createDirectories(home.resolve(".tendril"));
        Files.writeString(home.resolve(".tendril/config"), "kind: Config");
        dataDir = dir.resolve("data");
        Files.createDirectories(dataDir);
        Files.writeString(dataDir.resolve("tendril.conf"), "kind: Config");
    }

    @Test
    void theFlagComesFirst() {
        assertThat(ConfigDiscovery.locate(flag, env.toString(), home, dataDir))
                .hasValue(new ConfigDiscovery.Found(flag, "--config"));
    }

    @Test
    void thenTheEnvironmentVariable() {
        assertThat(ConfigDiscovery.locate(null, env.toString(), home, dataDir))
                .hasValue(new ConfigDiscovery.Found(env, "$TENDRIL_CONFIG"));
    }

    @Test
    void thenTheHomeDirectorysFile() {
        assertThat(ConfigDiscovery.locate(null, null, home, dataDir))
                .hasValue(new ConfigDiscovery.Found(home.resolve(".tendril/config"), "~/.tendril/config"));
        assertThat(ConfigDiscovery.locate(null, "", home, dataDir))
                .map(ConfigDiscovery.Found::file)
                .hasValue(home.resolve(".tendril/config"));
    }

    @Test
    void thenTheLocalStacksFile() throws Exception {
        Files.delete(home.resolve(".tendril/config"));
        assertThat(ConfigDiscovery.locate(null, null, home, dataDir))
                .hasValue(new ConfigDiscovery.Found(dataDir.resolve("tendril.conf"), "the stack's data directory"));
    }

    @Test
    void noneAtAllIsPlaintext() throws Exception {
        Files.delete(home.resolve(".tendril/config"));
        Files.delete(dataDir.resolve("tendril.conf"));
        assertThat(ConfigDiscovery.locate(null, null, home, dataDir)).isEmpty();
    }

    @Test
    void aFileTheUserNamedMustExist() {
        assertThatThrownBy(() -> ConfigDiscovery.locate(dir.resolve("missing.conf"), null, home, dataDir))
                .hasMessageContaining("missing.conf")
                .hasMessageContaining("--config");
        assertThatThrownBy(() ->
                        ConfigDiscovery.locate(null, dir.resolve("gone.conf").toString(), home, dataDir))
                .hasMessageContaining("gone.conf")
                .hasMessageContaining("$TENDRIL_CONFIG");
    }
}
