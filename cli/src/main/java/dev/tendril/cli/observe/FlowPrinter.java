package dev.tendril.cli.observe;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.tendril.api.hubble.flow.Endpoint;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.hubble.flow.Layer4;
import dev.tendril.api.hubble.flow.LostEvent;
import dev.tendril.api.hubble.flow.Service;
import dev.tendril.api.hubble.observer.GetFlowsResponse;
import dev.tendril.cli.api.ServiceException;
import dev.tendril.cli.api.Table;
import dev.tendril.hubble.CompactFormatter;
import java.io.PrintWriter;
import java.time.ZoneId;

/**
 * Prints the flows service's rows ({@code observer.GetFlowsResponse} as protobuf JSON) the way
 * {@code hubble observe} prints them: the compact line ({@link CompactFormatter}, which ends a policy
 * drop with the policy responsible), the row as it is ({@code json}, {@code jsonpb}), or a table with
 * Hubble's columns. Lost events go to standard error as {@code EVENTS LOST: <source> CPU(<n>) <count>},
 * except in JSON, where they are rows like any other.
 */
abstract class FlowPrinter {

    private static final JsonFormat.Parser PARSER = JsonFormat.parser()
            .usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
                    .add(com.google.protobuf.Struct.getDescriptor())
                    .build())
            .ignoringUnknownFields();
    /** Hubble prints times in the local zone. */
    static final CompactFormatter COMPACT = new CompactFormatter(ZoneId.systemDefault());

    final PrintWriter out;
    final PrintWriter err;

    private FlowPrinter(PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
    }

    static FlowPrinter of(ObserveCommand.Output format, boolean follow, PrintWriter out, PrintWriter err) {
        return of(format, follow, true, out, err);
    }

    /** {@code nodeName}: whether compact lines name the node ({@code hubble observe --print-node-name}). */
    static FlowPrinter of(
            ObserveCommand.Output format, boolean follow, boolean nodeName, PrintWriter out, PrintWriter err) {
        return switch (format) {
            case JSON, JSONPB -> new Json(out, err);
            case COMPACT -> new Compact(out, err, nodeName);
            case TABLE -> follow ? new StreamedTable(out, err) : new BufferedTable(out, err);
        };
    }

    /** One row of the service's answer. */
    void row(String json) {
        GetFlowsResponse response = parse(json);
        if (response.hasLostEvents()) {
            lost(json, response.getLostEvents());
        } else if (response.hasFlow()) {
            flow(json, response.getFlow());
        }
        out.flush();
    }

    abstract void flow(String json, Flow flow);

    void lost(String json, LostEvent lost) {
        err.println("EVENTS LOST: " + lost.getSource().name() + " CPU("
                + lost.getCpu().getValue() + ") " + Long.toUnsignedString(lost.getNumEventsLost()));
        err.flush();
    }

    /** After the last row. */
    void finish() {
        out.flush();
    }

    private static GetFlowsResponse parse(String json) {
        GetFlowsResponse.Builder response = GetFlowsResponse.newBuilder();
        try {
            PARSER.merge(json, response);
        } catch (InvalidProtocolBufferException e) {
            throw new ServiceException("flows service sent a row that is not a GetFlowsResponse: " + e.getMessage());
        }
        return response.build();
    }

    private static final class Compact extends FlowPrinter {
        private final boolean nodeName;

        Compact(PrintWriter out, PrintWriter err, boolean nodeName) {
            super(out, err);
            this.nodeName = nodeName;
        }

        @Override
        void flow(String json, Flow flow) {
            out.println(COMPACT.format(
                    nodeName ? flow : flow.toBuilder().clearNodeName().build()));
        }
    }

    /** One JSON object per line, as the service sent it (hubble observe -o json). */
    private static final class Json extends FlowPrinter {
        Json(PrintWriter out, PrintWriter err) {
            super(out, err);
        }

        @Override
        void flow(String json, Flow flow) {
            out.println(json);
        }

        @Override
        void lost(String json, LostEvent lost) {
            out.println(json);
        }
    }

    static final String[] HEADERS = {"TIMESTAMP", "SOURCE", "DESTINATION", "TYPE", "VERDICT", "SUMMARY"};

    /** A query's flows: one table, columns as wide as their widest cell. */
    private static final class BufferedTable extends FlowPrinter {
        private final Table table = new Table(HEADERS);

        BufferedTable(PrintWriter out, PrintWriter err) {
            super(out, err);
        }

        @Override
        void flow(String json, Flow flow) {
            table.row((Object[]) cells(flow));
        }

        @Override
        void finish() {
            table.print(out);
        }
    }

    /** Followed flows: each row printed when it comes, columns widening as wider cells come. */
    private static final class StreamedTable extends FlowPrinter {
        private final int[] widths = {19, 30, 30, 13, 9, 0};
        private boolean header;

        StreamedTable(PrintWriter out, PrintWriter err) {
            super(out, err);
        }

        @Override
        void flow(String json, Flow flow) {
            if (!header) {
                print(HEADERS);
                header = true;
            }
            print(cells(flow));
        }

        private void print(String[] cells) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < cells.length; i++) {
                widths[i] = Math.max(widths[i], cells[i].length());
                line.append(cells[i]);
                if (i < cells.length - 1) {
                    line.append(" ".repeat(widths[i] - cells[i].length() + 3));
                }
            }
            out.println(line.toString().stripTrailing());
        }
    }

    /**
     * TIMESTAMP, SOURCE, DESTINATION, TYPE, VERDICT, SUMMARY, with the compact output's time, type, verdict
     * and summary (the latter followed by the deny rules that dropped the flow).
     */
    static String[] cells(Flow flow) {
        String line = COMPACT.format(flow.toBuilder().clearNodeName().build());
        String time = line.substring(0, line.indexOf(": "));
        String type = CompactFormatter.type(flow);
        String verdict = CompactFormatter.verdict(flow);
        String summary = (CompactFormatter.summary(flow.getL4()) + CompactFormatter.cause(flow)).trim();
        return new String[] {
            time,
            side(
                    flow.getSource(),
                    flow.hasSourceService() ? flow.getSourceService() : null,
                    flow.getIP().getSource(),
                    port(flow.getL4(), true)),
            side(
                    flow.getDestination(),
                    flow.hasDestinationService() ? flow.getDestinationService() : null,
                    flow.getIP().getDestination(),
                    port(flow.getL4(), false)),
            type,
            verdict,
            summary
        };
    }

    /** Hubble's table side: {@code ns/pod:port}, else {@code ns/service:port}, else {@code ip:port} ({@code [v6]:port}). */
    private static String side(Endpoint endpoint, Service service, String ip, int port) {
        String host = CompactFormatter.host(endpoint, service, ip, port);
        return port > 0 ? host + ":" + port : host;
    }

    private static int port(Layer4 l4, boolean source) {
        return switch (l4.getProtocolCase()) {
            case TCP -> source ? l4.getTCP().getSourcePort() : l4.getTCP().getDestinationPort();
            case UDP -> source ? l4.getUDP().getSourcePort() : l4.getUDP().getDestinationPort();
            case SCTP -> source ? l4.getSCTP().getSourcePort() : l4.getSCTP().getDestinationPort();
            default -> 0;
        };
    }
}
