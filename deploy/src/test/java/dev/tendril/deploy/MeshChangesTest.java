package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One ClusterMesh change at a time: a second one waits only until its deadline, and none runs once the stack stops. */
class MeshChangesTest {

    @Test
    @Timeout(30)
    void aChangeThatFindsAnotherStillRunningAfterTheDeadlineIsRefusedNamingIt() throws Exception {
        MeshChanges changes = new MeshChanges(Duration.ofMillis(200), Duration.ofMinutes(1), System.out);
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> first =
                CompletableFuture.supplyAsync(() -> changes.run("connect to /tmp/west", () -> false, () -> {
                    changes.step("adding the ACLs at west's Kafka");
                    running.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return "connected";
                }));
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();

        assertThatThrownBy(() -> changes.run("disconnect from west", () -> false, () -> "disconnected"))
                .isInstanceOfSatisfying(
                        MeshRefused.class, e -> assertThat(e.status()).isEqualTo(409))
                .hasMessageContaining("connect to /tmp/west")
                .hasMessageContaining("adding the ACLs at west's Kafka")
                .hasMessageContaining("still in progress");

        release.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("connected");
        assertThat(changes.run("disconnect from west", () -> false, () -> "disconnected"))
                .isEqualTo("disconnected");
    }

    @Test
    @Timeout(30)
    void aSlowChangeIsReportedWithTheStepItIsAt() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        MeshChanges changes = new MeshChanges(
                Duration.ofSeconds(1), Duration.ofMillis(100), new PrintStream(printed, true, StandardCharsets.UTF_8));

        changes.run("connect to /tmp/west", () -> false, () -> {
            changes.step("linking the pod networks");
            while (!printed.toString(StandardCharsets.UTF_8).contains("linking the pod networks")) {
                Thread.onSpinWait();
            }
            return null;
        });

        assertThat(printed.toString(StandardCharsets.UTF_8))
                .containsPattern("mesh +connect to /tmp/west still running after \\d+ s: linking the pod networks");
    }

    @Test
    void noChangeRunsOnceTheStackStops() {
        MeshChanges changes = new MeshChanges(Duration.ofSeconds(1), Duration.ofMinutes(1), System.out);
        boolean[] ran = {false};

        assertThatThrownBy(() -> changes.run("connect to /tmp/west", () -> true, () -> ran[0] = true))
                .isInstanceOfSatisfying(
                        MeshRefused.class, e -> assertThat(e.status()).isEqualTo(503))
                .hasMessageContaining("stopping");
        assertThat(ran[0]).isFalse();
    }
}
