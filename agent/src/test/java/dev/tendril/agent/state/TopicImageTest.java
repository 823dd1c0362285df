package dev.tendril.agent.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.api.v1.Endpoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Topic images behave as immutable maps through any number of versions; every older version stays as it was. */
class TopicImageTest {

    @Test
    void everyVersionEqualsAPlainMapWithTheSameChanges() {
        Random random = new Random(7);
        Map<Integer, String> model = new HashMap<>();
        TopicImage<Integer, String> image = TopicImage.of(Map.of());
        List<TopicImage<Integer, String>> versions = new ArrayList<>();
        List<Map<Integer, String>> models = new ArrayList<>();
        for (int round = 0; round < 2_000; round++) {
            Map<Integer, String> changes = new HashMap<>();
            for (int i = 0, n = 1 + random.nextInt(round < 500 ? 50 : 3); i < n; i++) {
                int key = random.nextInt(3_000);
                changes.put(key, random.nextInt(4) == 0 ? null : "v" + round + "-" + i);
            }
            image = image.with(changes);
            changes.forEach((k, v) -> {
                if (v == null) {
                    model.remove(k);
                } else {
                    model.put(k, v);
                }
            });
            assertThat(image).hasSize(model.size()).isEqualTo(model);
            if (round % 97 == 0) {
                versions.add(image);
                models.add(Map.copyOf(model));
            }
        }
        for (int i = 0; i < versions.size(); i++) {
            assertThat(versions.get(i)).as("version %d", i).isEqualTo(models.get(i));
            Map<Integer, String> seen = new HashMap<>();
            versions.get(i).forEach(seen::put);
            assertThat(seen).isEqualTo(models.get(i));
        }
    }

    @Test
    void isReadOnlyAndSharedWhenNothingChanges() {
        TopicImage<String, String> image = TopicImage.of(Map.of("a", "1"));
        assertThat(image.with(Map.of())).isSameAs(image);
        assertThatThrownBy(() -> image.put("b", "2")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> image.entrySet().iterator().next().setValue("x"))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void endpointsAreFoundByNodeAndFollowAMove() {
        EndpointsImage image =
                EndpointsImage.of(Map.of("a/1", endpoint("a", "1", "node-1"), "a/2", endpoint("a", "2", "node-2")));
        Map<String, Endpoint> moves = new HashMap<>();
        moves.put("a/1", endpoint("a", "1", "node-2"));
        moves.put("a/2", null);
        moves.put("a/3", endpoint("a", "3", "node-3"));
        EndpointsImage next = image.with(moves);

        assertThat(next.onNode("node-1")).isEmpty();
        assertThat(next.onNode("node-2")).containsOnlyKeys("a/1");
        assertThat(next.onNode("node-3")).containsOnlyKeys("a/3");
        assertThat(image.onNode("node-1")).containsOnlyKeys("a/1");
        assertThat(image.onNode("node-2")).containsOnlyKeys("a/2");
        assertThat(next).containsOnlyKeys("a/1", "a/3");
    }

    private static Endpoint endpoint(String ns, String pod, String node) {
        return Endpoint.newBuilder().setNamespace(ns).setPod(pod).setNode(node).build();
    }
}
