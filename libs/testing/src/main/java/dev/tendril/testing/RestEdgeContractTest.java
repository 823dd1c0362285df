package dev.tendril.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * What every Tendril HTTP API does with a body it cannot use: a 4xx application/problem+json that
 * names the field at fault, stays small whatever the input's size, and changes nothing (the service's
 * event count is the same before and after). Each service's test extends it under
 * {@code @QuarkusTest} and names one write request whose valid body it knows.
 */
public abstract class RestEdgeContractTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Expected field: any field at all, as long as one is named. */
    private static final String ANY_FIELD = "*";

    /** One write request of the service: {@code PUT} or {@code POST}, its path, and a valid JSON object body. */
    public record WriteRequest(String method, String path, String validBody, String stringField) {}

    /** The schema whose {@code events} table must not grow; null for a service without an event store. */
    protected abstract String eventSchema();

    protected abstract WriteRequest writeRequest();

    @TestFactory
    Stream<DynamicTest> refusesUnusableBodiesWithProblemJsonAndChangesNothing() throws IOException {
        WriteRequest write = writeRequest();
        ObjectNode valid = (ObjectNode) JSON.readTree(write.validBody());
        List<DynamicTest> cases = new ArrayList<>();
        // Cut in the middle: the problem names the body, or the field whose value the cut fell into.
        cases.add(refused(
                "malformed JSON",
                write,
                write.validBody().substring(0, write.validBody().length() / 2),
                ANY_FIELD));
        cases.add(refused("empty body", write, "", "body"));
        cases.add(refused("trailing data after the object", write, write.validBody() + " {\"again\":1}", "body"));
        cases.add(refused("an array instead of an object", write, "[" + write.validBody() + "]", "body"));
        cases.add(refused(
                "a duplicate key",
                write,
                "{\"" + write.stringField() + "\":\"a\"," + write.validBody().substring(1),
                null));
        ObjectNode unknown = valid.deepCopy();
        unknown.put("bogusField", 1);
        cases.add(refused("an unknown field", write, unknown.toString(), "bogusField"));
        ObjectNode number = valid.deepCopy();
        number.put(write.stringField(), 12345);
        cases.add(refused("a number where a string belongs", write, number.toString(), write.stringField()));
        ObjectNode object = valid.deepCopy();
        object.putObject(write.stringField()).put("nested", "x");
        cases.add(refused("an object where a string belongs", write, object.toString(), write.stringField()));
        ObjectNode huge = valid.deepCopy();
        huge.put(write.stringField(), "x".repeat(2 * 1024 * 1024 + 1));
        cases.add(refused("a 2 MiB string", write, huge.toString(), null));
        ObjectNode nul = valid.deepCopy();
        nul.put(write.stringField(), "a\u0000b");
        cases.add(refused("a NUL character", write, nul.toString(), write.stringField()));
        cases.add(DynamicTest.dynamicTest("a body that is not JSON (text/plain)", () -> {
            long before = eventCount();
            HttpResponse<String> response = send(write.method(), write.path(), "text/plain", write.validBody());
            assertProblem(response, 415, null);
            assertEquals(before, eventCount(), "events appended behind a refusal");
        }));
        cases.add(DynamicTest.dynamicTest("an unknown path", () -> {
            HttpResponse<String> response = send("GET", "/v1/no-such-resource-" + System.nanoTime(), null, null);
            assertProblem(response, 404, null);
        }));
        return cases.stream();
    }

    private DynamicTest refused(String name, WriteRequest write, String body, String expectedField) {
        return DynamicTest.dynamicTest(name, () -> {
            long before = eventCount();
            HttpResponse<String> response = send(write.method(), write.path(), "application/json", body);
            assertProblem(response, 400, expectedField);
            assertEquals(before, eventCount(), "events appended behind a refusal");
        });
    }

    private static void assertProblem(HttpResponse<String> response, int status, String expectedField)
            throws IOException {
        String body = response.body();
        assertEquals(status, response.statusCode(), body);
        String violation = EdgeHttp.problemViolation(response);
        assertNull(violation, violation);
        if (ANY_FIELD.equals(expectedField)) {
            assertFalse(JSON.readTree(body).path("field").asText("").isBlank(), "no field named: " + body);
        } else if (expectedField != null) {
            assertEquals(expectedField, EdgeHttp.problemField(response), body);
        }
    }

    private long eventCount() {
        return EdgeHttp.eventCount(eventSchema());
    }

    private static HttpResponse<String> send(String method, String path, String contentType, String body)
            throws IOException, InterruptedException {
        return EdgeHttp.send(method, path, contentType, body);
    }
}
