package dev.tendril.cli.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** How the policy commands print the references the service returns. */
final class PolicyRefs {

    private PolicyRefs() {}

    /** {@code NetworkPolicy/demo/deny} from a text or a {@code {kind, namespace, name}} object. */
    static String ref(JsonNode ref) {
        if (ref.isObject() && ref.has("kind") && ref.has("name")) {
            return ref.get("kind").asText() + "/"
                    + (ref.hasNonNull("namespace") ? ref.get("namespace").asText() + "/" : "")
                    + ref.get("name").asText();
        }
        return ref.isValueNode() ? ref.asText() : ref.toString();
    }

    /** The references of an array joined with commas; {@code whenEmpty} when there are none. */
    static String refs(JsonNode array, String whenEmpty) {
        List<String> refs = new ArrayList<>();
        array.forEach(ref -> refs.add(ref(ref)));
        return refs.isEmpty() ? whenEmpty : String.join(",", refs);
    }
}
