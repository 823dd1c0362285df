package dev.tendril.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine.Option;

/** The {@code -o} option every command that prints data takes, and the JSON writer behind it. */
public final class OutputOption {

    /** How a command prints its result. */
    public enum Format {
        TEXT,
        JSON
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FORMAT",
            defaultValue = "text",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Format format = Format.TEXT;

    public boolean json() {
        return format == Format.JSON;
    }

    /** Prints {@code value} (records, maps, lists) as indented JSON. */
    /**
     * A JSON array written element by element, flushed as it goes, the same text {@link #printJson} gives the whole
     * list: a list read in pages is printed without ever being held whole. The caller ends the array; closing leaves {@code out} open.
     */
    public static JsonGenerator jsonArray(PrintWriter out) {
        try {
            JsonGenerator array = JSON.createGenerator(out)
                    .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
                    // A listing cut short by an error must not look complete.
                    .disable(JsonGenerator.Feature.AUTO_CLOSE_JSON_CONTENT);
            array.useDefaultPrettyPrinter();
            array.writeStartArray();
            return array;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write JSON", e);
        }
    }

    public static void printJson(PrintWriter out, Object value) {
        try {
            out.println(JSON.writeValueAsString(value));
            out.flush();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }
}
