package dev.tendril.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackTest {

    @Test
    void fallsBackToTheDefaultLocalPortsWithoutAStackFile(@TempDir Path dataDir) {
        Stack stack = Stack.load(dataDir);

        assertThat(stack.source()).isEmpty();
        assertThat(stack.component("identity").orElseThrow().url()).isEqualTo("http://127.0.0.1:8081");
        assertThat(stack.component("agent-2").orElseThrow().port()).isEqualTo(8092);
        assertThat(stack.component("kafka").orElseThrow().address()).isEqualTo("127.0.0.1:9092");
    }

    @Test
    void readsTheLauncherStackFileAndIgnoresFieldsItDoesNotKnow(@TempDir Path dataDir) throws IOException {
        Files.writeString(dataDir.resolve("stack.json"), """
                {"dataDir":"/x","launcherPid":7,"components":[
                  {"name":"postgres","kind":"postgres","port":15432,"url":"jdbc:postgresql://127.0.0.1:15432/tendril","pid":9},
                  {"name":"identity","kind":"service","port":9081,"url":"http://127.0.0.1:9081","pid":11,
                   "log":"/x/logs/identity.log","startedIn":"1.2s"}]}""");

        Stack stack = Stack.load(dataDir);

        assertThat(stack.source()).contains(dataDir.resolve(StackFile.NAME));
        assertThat(stack.components())
                .containsExactly(
                        new Component(
                                "postgres",
                                Kind.POSTGRES,
                                15432,
                                "jdbc:postgresql://127.0.0.1:15432/tendril",
                                9L,
                                null),
                        new Component(
                                "identity", Kind.SERVICE, 9081, "http://127.0.0.1:9081", 11L, "/x/logs/identity.log"));
        assertThat(stack.component("postgres").orElseThrow().address()).isEqualTo("127.0.0.1:15432");
    }

    @Test
    void roundTripsTheStackFileTheLauncherWrites(@TempDir Path dataDir) {
        StackFile written = new StackFile(
                42,
                dataDir.toString(),
                "2025-01-01T00:00:00Z",
                true,
                java.util.List.of(
                        new Component("kafka", Kind.KAFKA, 19092, "127.0.0.1:19092", 42L, "/x/logs/kafka.log"),
                        Component.agent("agent-1", 8091)));

        written.write(dataDir);

        assertThat(StackFile.read(dataDir)).contains(written);
        assertThat(Stack.load(dataDir).components()).isEqualTo(written.components());
    }

    @Test
    void namesTheNodeOfAnAgentFromItsNodeFieldOrTheLauncherNaming(@TempDir Path dataDir) throws IOException {
        Files.writeString(dataDir.resolve("stack.json"), """
                {"launcherPid":7,"components":[
                  {"name":"agent-1","kind":"agent","port":8091,"url":"http://127.0.0.1:8091","node":"worker-a"},
                  {"name":"agent-2","kind":"agent","port":8092,"url":"http://127.0.0.1:8092"}]}""");

        Stack stack = Stack.load(dataDir);

        assertThat(stack.component("agent-1").orElseThrow().nodeName()).isEqualTo("worker-a");
        assertThat(stack.component("agent-2").orElseThrow().nodeName()).isEqualTo("node-2");
        assertThat(stack.component("agent-2").orElseThrow().node()).isNull();
    }
}
