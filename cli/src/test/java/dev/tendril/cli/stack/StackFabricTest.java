package dev.tendril.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class StackFabricTest {

    @Test
    void thePrefixIsTdAndEightHexDigitsOfTheDataDirectorysHashTheSameForTheSameDirectory() {
        StackFabric fabric = StackFabric.of(Path.of("/home/me/tendril/.tendril"));

        // sha256("/home/me/tendril/.tendril"), as sha256sum prints it: the rule stays put across versions.
        assertThat(fabric.prefix()).isEqualTo("td9d4ab5ac");
        assertThat(StackFabric.of(Path.of("/home/me/tendril/./x/../.tendril"))).isEqualTo(fabric);
        assertThat(StackFabric.of(Path.of("/home/me/other/.tendril"))).isNotEqualTo(fabric);
    }

    @Test
    void namesNamespacesAsTheAgentDoesAndOwnsOnlyItsOwn() {
        StackFabric fabric = new StackFabric("td12");

        assertThat(fabric.nodeNetns("node-1")).isEqualTo("td12_node-1");
        assertThat(fabric.podNetns("node-1", "demo", "web-0")).isEqualTo("td12_node-1_demo_web-0");
        assertThat(fabric.owns("td12")).isTrue();
        assertThat(fabric.owns("td12_node-1_demo_web-0")).isTrue();
        assertThat(fabric.owns("td123_node-1")).isFalse();
        assertThat(fabric.owns("tendril_node-1")).isFalse();
        assertThat(fabric.depth("td12_node-1_demo_web-0")).isEqualTo(2);
        assertThat(fabric.depth("td12_node-1")).isEqualTo(1);
        assertThat(fabric.depth("td12")).isZero();
    }
}
