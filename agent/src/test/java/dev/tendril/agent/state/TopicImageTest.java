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

    /** A key whose hash the test chooses: many keys share all 32 bits of it, or all but the highest ones. */
    private record Collider(int id, int hash) {
        @Override
        public int hashCode() {
            return hash;
        }
    }

    @Test
    void keysWithEqualOrNearlyEqualHashesBehaveAsInAPlainMap() {
        Random random = new Random(11);
        Map<Collider, Integer> model = new HashMap<>();
        TopicImage<Collider, Integer> image = TopicImage.of(Map.of());
        List<TopicImage<Collider, Integer>> versions = new ArrayList<>();
        List<Map<Collider, Integer>> models = new ArrayList<>();
        for (int round = 0; round < 3_000; round++) {
            Map<Collider, Integer> changes = new HashMap<>();
            for (int i = 0, n = 1 + random.nextInt(8); i < n; i++) {
                int id = random.nextInt(400);
                // Equal hashes in groups of 40; hashes differing only in the top bits, or in the low bits.
                int hash = switch (id % 3) {
                    case 0 -> id / 40;
                    case 1 -> (id % 4) << 30;
                    default -> 0x5555_5555 ^ (id % 64);
                };
                changes.put(new Collider(id, hash), random.nextInt(3) == 0 ? null : round);
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
            for (Collider k : changes.keySet()) {
                assertThat(image.get(k)).isEqualTo(model.get(k));
                assertThat(image.containsKey(k)).isEqualTo(model.containsKey(k));
            }
            if (round % 101 == 0) {
                versions.add(image);
                models.add(Map.copyOf(model));
            }
        }
        for (int i = 0; i < versions.size(); i++) {
            assertThat(versions.get(i)).as("version %d", i).isEqualTo(models.get(i));
            Map<Collider, Integer> seen = new HashMap<>();
            versions.get(i).forEach(seen::put);
            assertThat(seen).isEqualTo(models.get(i));
        }
        assertThat(TopicImage.of(model)).isEqualTo(model).hasSize(model.size());
    }

    @Test
    void aLargeImageBuiltAtOnceEqualsTheSameBuiltChangeByChange() {
        Map<String, Integer> all = new HashMap<>();
        for (int i = 0; i < 100_000; i++) {
            all.put("ns-" + i % 100 + "/pod-" + i, i);
        }
        TopicImage<String, Integer> atOnce = TopicImage.of(all);
        TopicImage<String, Integer> stepwise = TopicImage.of(Map.of());
        for (Map.Entry<String, Integer> e : all.entrySet()) {
            stepwise = stepwise.with(Map.of(e.getKey(), e.getValue()));
        }
        assertThat(atOnce).hasSize(100_000).isEqualTo(all);
        assertThat(stepwise).hasSize(100_000).isEqualTo(all).isEqualTo(atOnce);
        assertThat(atOnce.hashCode()).isEqualTo(all.hashCode());
        Map<String, Integer> removeHalf = new HashMap<>();
        all.keySet().stream().filter(k -> k.hashCode() % 2 == 0).forEach(k -> removeHalf.put(k, null));
        TopicImage<String, Integer> half = atOnce.with(removeHalf);
        all.keySet().removeAll(removeHalf.keySet());
        assertThat(half).hasSize(all.size()).isEqualTo(all);
        assertThat(atOnce).hasSize(100_000);
    }

    @Test
    void aChangeThatChangesNothingKeepsTheImage() {
        TopicImage<String, String> image = TopicImage.of(Map.of("a", "1", "b", "2"));
        Map<String, String> removeMissing = new HashMap<>();
        removeMissing.put("c", null);
        assertThat(image.with(removeMissing)).isSameAs(image);
        assertThat(image.with(Map.of("a", image.get("a")))).isSameAs(image);
        assertThat(image.with(Map.of("a", "3"))).isNotSameAs(image).containsEntry("a", "3");
        assertThat(image).containsEntry("a", "1");
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
