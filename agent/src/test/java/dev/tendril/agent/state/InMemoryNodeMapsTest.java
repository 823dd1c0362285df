package dev.tendril.agent.state;

class InMemoryNodeMapsTest extends NodeMapsContractTest {

    @Override
    protected MapBackend newBackend() {
        return new InMemoryMapBackend();
    }

    @Override
    protected MapBackend restart(MapBackend previous) {
        // In memory the maps live as long as the backend: the same instance is the "restarted" view.
        return previous;
    }
}
