package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.testing.PostgresServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A data directory an older launcher made (no passwords) is refused with what to do, not opened up. */
class PostgresUpgradeTest {

    @TempDir
    Path root;

    @Test
    void aClusterWithoutASuperuserPasswordIsRefusedWithWhatToDo() {
        DataDir dataDir = new DataDir(root);
        try (PostgresServer older = PostgresServer.start(dataDir.resolve(DataDir.POSTGRES), 0)) {
            older.createDatabaseIfMissing(StackConfig.DATABASE);
        }

        assertThat(PostgresProcess.olderCluster(dataDir))
                .hasValueSatisfying(
                        message -> assertThat(message).contains("older Tendril").contains("./tendril up --fresh"));
    }

    @Test
    void aNewDataDirectoryAndOneMadeWithPasswordsAreStarted() {
        DataDir dataDir = new DataDir(root);
        assertThat(PostgresProcess.olderCluster(dataDir)).isEmpty();

        StackSecrets secrets = StackSecrets.of(dataDir);
        try (PostgresServer ignored = PostgresServer.startSecured(
                dataDir.resolve(DataDir.POSTGRES), 0, secrets.password(StackSecrets.SUPERUSER))) {
            assertThat(PostgresProcess.olderCluster(dataDir)).isEmpty();
        }
        try (PostgresServer again = PostgresServer.startSecured(
                dataDir.resolve(DataDir.POSTGRES), 0, secrets.password(StackSecrets.SUPERUSER))) {
            again.createDatabaseIfMissing(StackConfig.DATABASE);
        }
    }
}
