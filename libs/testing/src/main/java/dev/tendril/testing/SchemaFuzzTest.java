package dev.tendril.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The generative big brother of {@link RestEdgeContractTest}: for every operation in the service's own
 * OpenAPI document, jqwik generates requests from the schema (valid-shaped values mutated into wrong
 * types, nulls, missing and extra fields, empty, huge, unicode and control-character strings, extreme
 * numbers, deep nesting, malformed path and query parameters) and each must get no 5xx; a 4xx must be
 * problem+json with a title and detail, a 400 must name a field, and a refusal must append no event
 * (nor change {@link #readModelSnapshot()}).
 * A 2xx is allowed (some generated inputs are valid). gRPC the same, from the request messages'
 * descriptors: never INTERNAL or UNKNOWN, a refusal with a description and no event appended.
 * Failures are shrunk to the smallest request.
 * Each service's test extends it under {@code @QuarkusTest}; {@code -Dtendril.fuzz.tries=N} sets the
 * number of cases (the {@code fuzz-long} profile: 5000).
 */
public abstract class SchemaFuzzTest {

    /** The schema whose {@code events} table a refusal must not grow; null for a service without one. */
    protected abstract String eventSchema();

    /** The service's name in the printed counts. */
    protected abstract String serviceName();

    /** Known-valid bodies by operation ({@code PUT /v1/nodes/{name}}), the starting point of most mutations. */
    protected Map<String, String> validBodies() {
        return Map.of();
    }

    /** Known-valid path and query parameter values by name ({@code namespace -> default}). */
    protected Map<String, String> validParameters() {
        return Map.of();
    }

    /** Query parameters an operation reads without declaring them (by path template). */
    protected Map<String, List<String>> undeclaredQueryParameters() {
        return Map.of();
    }

    /** Operations left out, by key ({@code GET /v1/stream}): a stream that never ends cannot be fuzzed by request. */
    protected Set<String> skippedOperations() {
        return Set.of();
    }

    /**
     * The service's read models as one comparable text (e.g. a list endpoint's body), which a refusal
     * must leave unchanged; null: only the event count is compared.
     */
    protected String readModelSnapshot() {
        return null;
    }

    /** The service's gRPC services (from the generated descriptors); none by default. */
    protected List<Descriptors.ServiceDescriptor> grpcServices() {
        return List.of();
    }

    /** Known-valid requests by method name ({@code RegisterEndpoint}), the starting point of most mutations. */
    protected Map<String, Message> validGrpcRequests() {
        return Map.of();
    }

    /**
     * Methods the service answers UNIMPLEMENTED on purpose, and documents so, by full name
     * ({@code observer.Observer/GetDebugEvents}): that answer passes for them, and only for them.
     */
    protected Set<String> unimplementedMethods() {
        return Set.of();
    }

    /** A generated request made sendable as one call: e.g. a stream that must end. */
    protected DynamicMessage sendable(Descriptors.MethodDescriptor method, DynamicMessage request) {
        return request;
    }

    @Test
    void everyOperationRefusesBadInputWithProblemJsonAndChangesNothing() throws Exception {
        HttpResponse<String> schema = EdgeHttp.send("GET", "/q/openapi?format=json", null, null);
        assertEquals(200, schema.statusCode(), schema.body());
        List<OpenApiOperations.Operation> operations = OpenApiOperations.parse(schema.body()).operations().stream()
                .filter(o -> !skippedOperations().contains(o.key()))
                .toList();
        assertFalse(operations.isEmpty(), "no operations in the OpenAPI document");
        RestFuzzCases generator = new RestFuzzCases(
                OpenApiOperations.parse(schema.body()),
                new RestFuzzCases.Seeds(validBodies(), validParameters(), undeclaredQueryParameters()));
        FuzzRunner.Report report = FuzzRunner.run(
                serviceName() + " REST",
                generator.cases(operations),
                FuzzRunner.tries(),
                FuzzRunner.seed(),
                c -> c.operation().key(),
                this::check);
        assertTrue(report.failures().isEmpty(), report.summary() + "\n" + String.join("\n", report.failures()));
    }

    @Test
    void everyGrpcMethodRefusesBadInputWithAStatusNeverInternalAndChangesNothing() throws Exception {
        List<Descriptors.ServiceDescriptor> services = grpcServices();
        if (services.isEmpty()) {
            return;
        }
        GrpcFuzzCases generator = new GrpcFuzzCases(new GrpcFuzzCases.Seeds(validGrpcRequests(), validParameters()));
        ManagedChannel channel = ManagedChannelBuilder.forAddress(
                        EdgeHttp.base().getHost(), EdgeHttp.base().getPort())
                .usePlaintext()
                .maxInboundMessageSize(64 * 1024 * 1024)
                .build();
        try {
            FuzzRunner.Report report = FuzzRunner.run(
                    serviceName() + " gRPC",
                    generator.cases(services),
                    FuzzRunner.tries(),
                    FuzzRunner.seed(),
                    GrpcFuzzCases.GrpcCase::target,
                    c -> check(channel, c));
            assertTrue(report.failures().isEmpty(), report.summary() + "\n" + String.join("\n", report.failures()));
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private FuzzRunner.Verdict check(Channel channel, GrpcFuzzCases.GrpcCase call) {
        Descriptors.MethodDescriptor method = call.method();
        DynamicMessage request = sendable(method, call.request());
        MethodDescriptor<DynamicMessage, DynamicMessage> descriptor =
                MethodDescriptor.<DynamicMessage, DynamicMessage>newBuilder()
                        .setType(
                                method.isServerStreaming()
                                        ? MethodDescriptor.MethodType.SERVER_STREAMING
                                        : MethodDescriptor.MethodType.UNARY)
                        .setFullMethodName(MethodDescriptor.generateFullMethodName(
                                method.getService().getFullName(), method.getName()))
                        .setRequestMarshaller(
                                ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getInputType())))
                        .setResponseMarshaller(
                                ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getOutputType())))
                        .build();
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS);
        long before = EdgeHttp.eventCount(eventSchema());
        Status status;
        try {
            if (method.isServerStreaming()) {
                Iterator<DynamicMessage> responses =
                        ClientCalls.blockingServerStreamingCall(channel, descriptor, options, request);
                while (responses.hasNext()) {
                    responses.next();
                }
            } else {
                ClientCalls.blockingUnaryCall(channel, descriptor, options, request);
            }
            return FuzzRunner.Verdict.pass("OK");
        } catch (StatusRuntimeException e) {
            status = e.getStatus();
        }
        String description = status.getCode() + ": " + status.getDescription();
        switch (status.getCode()) {
            case INTERNAL, UNKNOWN, DATA_LOSS -> {
                return new FuzzRunner.Verdict.ServerError(description);
            }
            // The transport's own refusal of a message over its size limit (256 KiB on the HTTP port): no description.
            case RESOURCE_EXHAUSTED -> {
                return EdgeHttp.eventCount(eventSchema()) == before
                        ? FuzzRunner.Verdict.pass("RESOURCE_EXHAUSTED")
                        : new FuzzRunner.Verdict.Violation("events appended behind " + description);
            }
            case UNIMPLEMENTED -> {
                return unimplementedMethods().contains(descriptor.getFullMethodName())
                        ? FuzzRunner.Verdict.pass("UNIMPLEMENTED")
                        : new FuzzRunner.Verdict.Violation("not a refusal: " + description);
            }
            case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, OK -> {
                return new FuzzRunner.Verdict.Violation("not a refusal: " + description);
            }
            default -> {
                // INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, OUT_OF_RANGE, ...
            }
        }
        if (status.getDescription() == null || status.getDescription().isBlank()) {
            return new FuzzRunner.Verdict.Violation(status.getCode() + " without a description");
        }
        long after = EdgeHttp.eventCount(eventSchema());
        if (after != before) {
            return new FuzzRunner.Verdict.Violation((after - before) + " events appended behind " + description);
        }
        return FuzzRunner.Verdict.pass(status.getCode().name());
    }

    private FuzzRunner.Verdict check(RestFuzzCases.RestCase request) {
        long before = EdgeHttp.eventCount(eventSchema());
        String snapshot = readModelSnapshot();
        HttpResponse<String> response;
        try {
            response = EdgeHttp.send(
                    request.operation().method(), request.pathAndQuery(), request.contentType(), request.body());
        } catch (IOException e) {
            return new FuzzRunner.Verdict.Violation("no HTTP answer: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        int status = response.statusCode();
        if (status >= 500) {
            return new FuzzRunner.Verdict.ServerError(status + " " + EdgeHttp.cut(response.body()));
        }
        if (status < 400) {
            return FuzzRunner.Verdict.pass(String.valueOf(status));
        }
        String violation = EdgeHttp.problemViolation(response);
        if (violation != null) {
            return new FuzzRunner.Verdict.Violation(status + ": " + violation);
        }
        if (status == 400
                && (EdgeHttp.problemField(response) == null
                        || EdgeHttp.problemField(response).isBlank())) {
            return new FuzzRunner.Verdict.Violation("400 naming no field: " + EdgeHttp.cut(response.body()));
        }
        long after = EdgeHttp.eventCount(eventSchema());
        if (after != before) {
            return new FuzzRunner.Verdict.Violation(
                    (after - before) + " events appended behind a " + status + ": " + EdgeHttp.cut(response.body()));
        }
        String snapshotAfter = readModelSnapshot();
        if (snapshot != null && !snapshot.equals(snapshotAfter)) {
            return new FuzzRunner.Verdict.Violation("read model changed behind a " + status + ": "
                    + EdgeHttp.cut(snapshot) + " -> " + EdgeHttp.cut(snapshotAfter));
        }
        // Indices folded (labels[3] -> labels[]) so that the counts show which rules were reached.
        return FuzzRunner.Verdict.pass(
                status == 400
                        ? "400 " + EdgeHttp.problemField(response).replaceAll("\\[\\d+]", "[]")
                        : String.valueOf(status));
    }
}
