package dev.tendril.flows.adapters.rest;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.tendril.api.hubble.flow.DropReason;
import dev.tendril.api.hubble.flow.LostEvent;
import dev.tendril.api.hubble.flow.LostEventSource;
import dev.tendril.api.hubble.observer.GetFlowsResponse;
import dev.tendril.flows.adapters.FlowCodec;
import dev.tendril.flows.adapters.FlowQueries;
import dev.tendril.flows.domain.FlowQuery;
import dev.tendril.flows.domain.FlowSelection;
import dev.tendril.flows.domain.FlowTimes;
import dev.tendril.flows.domain.InvalidFilterException;
import dev.tendril.flows.domain.ObserveFilters;
import dev.tendril.flows.domain.StoredFlow;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * {@code GET /v1/flows}: the flows of the whole cluster, filtered with {@code hubble observe}'s flags as
 * query parameters ({@link ObserveFilters}, {@code not-<flag>} for {@code --not <flag>}), plus
 * {@code last}, {@code first}, {@code all}, {@code since}, {@code until} and {@code follow}, read as the
 * hubble CLI turns its flags into a GetFlows request. Each row is a {@code observer.GetFlowsResponse} in protobuf's JSON
 * form with proto field names ({@code {"flow":{...},"node_name":"node-1","time":"..."}}, or
 * {@code {"lost_events":{...}}}), the same rows as {@code hubble observe -o json}. Without
 * {@code follow}: a JSON array, oldest first. With {@code follow=true}: text/event-stream, one row per
 * {@code data:} event, until the client disconnects or {@code until} passes.
 */
@Path("/v1/flows")
public class FlowResource {

    private static final JsonFormat.Printer JSON = JsonFormat.printer()
            .usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
                    .add(com.google.protobuf.Struct.getDescriptor())
                    .build())
            .preservingProtoFieldNames()
            .omittingInsignificantWhitespace();
    private static final Set<String> OWN = Set.of("last", "first", "all", "since", "until", "follow", "field-mask");

    @Inject
    FlowQueries queries;

    @GET
    @Blocking
    @Operation(summary = "Flows matching hubble-observe style filters; follow=true streams server-sent events")
    public Response flows(@Context UriInfo uri) {
        FlowQuery query = query(uri.getQueryParameters());
        List<String> mask = fieldMask(uri.getQueryParameters());
        if (!query.follow()) {
            StringBuilder body = new StringBuilder(4096).append('[');
            queries.run(query, new FlowQueries.Sink() {
                boolean firstRow = true;

                @Override
                public void flow(StoredFlow flow) {
                    append(row(flow, mask));
                }

                @Override
                public void lost(String node, long count) {
                    append(lostRow(node, count));
                }

                private void append(String json) {
                    if (!firstRow) {
                        body.append(',');
                    }
                    firstRow = false;
                    body.append(json);
                }

                @Override
                public boolean open() {
                    return true;
                }
            });
            return Response.ok(body.append(']').toString(), MediaType.APPLICATION_JSON)
                    .build();
        }
        StreamingOutput stream = output -> {
            try {
                output.write(": follow\n\n".getBytes(StandardCharsets.UTF_8));
                output.flush();
                queries.run(query, new SseSink(output, mask));
            } catch (UncheckedIOException gone) {
                // The client went away.
            }
        };
        return Response.ok(stream, "text/event-stream")
                .header("Cache-Control", "no-cache")
                .build();
    }

    static FlowQuery query(MultivaluedMap<String, String> params) {
        Map<String, List<String>> filters = new HashMap<>();
        for (Map.Entry<String, List<String>> param : params.entrySet()) {
            String name = param.getKey();
            String bare = name.startsWith(ObserveFilters.NOT) ? name.substring(ObserveFilters.NOT.length()) : name;
            if (ObserveFilters.PARAMETERS.contains(bare) || ObserveFilters.REFUSED.contains(bare)) {
                filters.put(name, param.getValue());
            } else if (!OWN.contains(name)) {
                throw new InvalidFilterException(name, "unknown parameter");
            }
        }
        long now = System.currentTimeMillis() * 1_000_000L;
        long last = count(params.getFirst("last"), "last");
        long first = count(params.getFirst("first"), "first");
        if (last > 0 && first > 0) {
            throw new InvalidFilterException("first", "cannot be combined with last");
        }
        boolean follow = bool(params.getFirst("follow"), "follow");
        boolean all = bool(params.getFirst("all"), "all");
        if (all && (first > 0 || last > 0)) {
            throw new InvalidFilterException("all", "cannot be combined with first or last");
        }
        long since = params.getFirst("since") == null
                ? Long.MIN_VALUE
                : FlowTimes.time(params.getFirst("since"), "since", now);
        long until = params.getFirst("until") == null
                ? Long.MAX_VALUE
                : FlowTimes.time(params.getFirst("until"), "until", now);
        Map<String, List<String>> positive = new HashMap<>(filters);
        positive.keySet().removeIf(k -> k.startsWith(ObserveFilters.NOT));
        FlowSelection selection = FlowSelection.compile(
                ObserveFilters.whitelist(positive, FlowResource::dropReason),
                ObserveFilters.blacklist(filters, FlowResource::dropReason));
        // Without a count or a time range a non-follow request returns the last 20 flows, like hubble observe.
        long number = first > 0
                ? first
                : all
                        ? Long.MAX_VALUE
                        : last > 0 ? last : (!follow && since == Long.MIN_VALUE && until == Long.MAX_VALUE) ? 20 : 0;
        return new FlowQuery(number, first > 0, follow, since, until, selection);
    }

    /** A {@code flow.DropReason} name ({@code POLICY_DENIED}) or number, as {@code --drop-reason-desc}. */
    static int dropReason(String name) {
        try {
            return DropReason.valueOf(name.toUpperCase(java.util.Locale.ROOT)).getNumber();
        } catch (IllegalArgumentException e) {
            throw new InvalidFilterException("drop-reason-desc", "unknown drop reason '" + name + "'");
        }
    }

    private static long count(String text, String field) {
        if (text == null) {
            return 0;
        }
        try {
            long value = Long.parseLong(text.trim());
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidFilterException(field, "'" + text + "' is not a positive number");
    }

    private static boolean bool(String text, String field) {
        if (text == null) {
            return false;
        }
        return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "1", "" -> true;
            case "false", "0" -> false;
            default -> throw new InvalidFilterException(field, "'" + text + "' is not true or false");
        };
    }

    /** {@code field-mask=time,verdict,source.pod_name} (repeatable), as {@code --field-mask}. */
    static List<String> fieldMask(MultivaluedMap<String, String> params) {
        List<String> paths = new java.util.ArrayList<>();
        for (String value : params.getOrDefault("field-mask", List.of())) {
            for (String path : value.split(",")) {
                String text = path.trim();
                if (!text.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*")) {
                    throw new InvalidFilterException("field-mask", "'" + path + "' is not a field path");
                }
                paths.add(text);
            }
        }
        return paths;
    }

    static String row(StoredFlow flow) {
        return row(flow, List.of());
    }

    static String row(StoredFlow flow, List<String> mask) {
        return print(GetFlowsResponse.newBuilder()
                .setFlow(FlowCodec.masked(FlowCodec.flow(flow), mask))
                .setNodeName(flow.node)
                .setTime(timestamp(flow.timeNanos))
                .build());
    }

    static String lostRow(String node, long count) {
        return print(GetFlowsResponse.newBuilder()
                .setLostEvents(LostEvent.newBuilder()
                        .setSource(LostEventSource.HUBBLE_RING_BUFFER)
                        .setNumEventsLost(count))
                .setNodeName(node)
                .setTime(timestamp(System.currentTimeMillis() * 1_000_000L))
                .build());
    }

    private static com.google.protobuf.Timestamp timestamp(long nanos) {
        return com.google.protobuf.Timestamp.newBuilder()
                .setSeconds(Math.floorDiv(nanos, 1_000_000_000L))
                .setNanos((int) Math.floorMod(nanos, 1_000_000_000L))
                .build();
    }

    private static String print(GetFlowsResponse response) {
        try {
            return JSON.print(response);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class SseSink implements FlowQueries.Sink {

        private final OutputStream output;
        private final List<String> mask;
        private volatile boolean open = true;

        SseSink(OutputStream output, List<String> mask) {
            this.output = output;
            this.mask = mask;
        }

        @Override
        public void flow(StoredFlow flow) {
            send(row(flow, mask));
        }

        @Override
        public void lost(String node, long count) {
            send(lostRow(node, count));
        }

        @Override
        public void idle() {
            write(": keep-alive\n\n");
        }

        private void send(String json) {
            write("data: " + json + "\n\n");
        }

        private void write(String text) {
            try {
                output.write(text.getBytes(StandardCharsets.UTF_8));
                output.flush();
            } catch (IOException e) {
                open = false;
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public boolean open() {
            return open;
        }
    }
}
