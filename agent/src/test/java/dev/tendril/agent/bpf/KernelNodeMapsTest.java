package dev.tendril.agent.bpf;

import dev.tendril.agent.state.MapBackend;
import dev.tendril.agent.state.NodeMapsContractTest;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The node map writer against maps pinned in a bpffs; skipped with a printed reason where bpf(2) is refused. */
class KernelNodeMapsTest extends NodeMapsContractTest {

    private Path dir;

    @BeforeEach
    void pinDirectory() {
        dir = BpfTestSupport.newPinDirectory();
    }

    @AfterEach
    void removePins() {
        BpfTestSupport.deleteRecursively(dir);
    }

    @Override
    protected MapBackend newBackend() {
        return new KernelMapBackend(dir.resolve("node-1"));
    }

    @Override
    protected MapBackend restart(MapBackend previous) {
        previous.close();
        return new KernelMapBackend(dir.resolve("node-1"));
    }
}
