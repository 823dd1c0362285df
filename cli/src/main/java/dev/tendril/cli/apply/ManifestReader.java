package dev.tendril.cli.apply;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Reads the documents of {@code -f} arguments: files, directories (their {@code *.yaml}, {@code *.yml} and
 * {@code *.json} files in name order, sub-directories too when recursive) and {@code -} for standard input.
 * Every unreadable file or document becomes a {@link ManifestError}; reading goes on so that one run reports
 * them all.
 */
public final class ManifestReader {

    /** The name standard input goes by in messages. */
    public static final String STDIN = "<stdin>";

    private static final ObjectMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final boolean recursive;
    private final Supplier<InputStream> stdin;

    public ManifestReader(boolean recursive, Supplier<InputStream> stdin) {
        this.recursive = recursive;
        this.stdin = stdin;
    }

    /** The documents of every source, in the order given, and what could not be read. */
    public record Result(List<Manifest> manifests, List<ManifestError> errors) {}

    public Result read(List<String> sources) {
        List<Manifest> manifests = new ArrayList<>();
        List<ManifestError> errors = new ArrayList<>();
        boolean stdinRead = false;
        for (String source : sources) {
            if (source.equals("-")) {
                if (stdinRead) {
                    errors.add(new ManifestError(STDIN, 0, null, "'-f -' given more than once"));
                    continue;
                }
                stdinRead = true;
                try {
                    String text = new String(stdin.get().readAllBytes(), StandardCharsets.UTF_8);
                    parse(STDIN, text, false, manifests, errors);
                } catch (IOException e) {
                    errors.add(new ManifestError(STDIN, 0, null, "cannot read: " + e.getMessage()));
                }
                continue;
            }
            Path path = Path.of(source);
            if (Files.isDirectory(path)) {
                List<Path> files = filesOf(path, source, errors);
                if (files.isEmpty()) {
                    errors.add(new ManifestError(
                            source,
                            0,
                            null,
                            "no *.yaml, *.yml or *.json files in this directory" + (recursive ? " or below" : "")));
                }
                files.forEach(file -> readFile(file, file.toString(), manifests, errors));
            } else {
                readFile(path, source, manifests, errors);
            }
        }
        return new Result(manifests, errors);
    }

    private List<Path> filesOf(Path directory, String source, List<ManifestError> errors) {
        try (Stream<Path> entries = recursive ? Files.walk(directory) : Files.list(directory)) {
            return entries.filter(Files::isRegularFile)
                    .filter(ManifestReader::isManifestFile)
                    .sorted()
                    .toList();
        } catch (IOException | UncheckedIOException e) {
            errors.add(new ManifestError(source, 0, null, "cannot list directory: " + e.getMessage()));
            return List.of();
        }
    }

    private static boolean isManifestFile(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json");
    }

    private static void readFile(Path path, String source, List<Manifest> manifests, List<ManifestError> errors) {
        String text;
        try {
            text = Files.readString(path);
        } catch (NoSuchFileException e) {
            errors.add(new ManifestError(source, 0, null, "no such file or directory"));
            return;
        } catch (IOException e) {
            errors.add(new ManifestError(source, 0, null, "cannot read: " + e.getMessage()));
            return;
        }
        boolean json = source.toLowerCase(Locale.ROOT).endsWith(".json");
        parse(source, text, json, manifests, errors);
    }

    private static boolean looksLikeJson(String text) {
        String start = text.stripLeading();
        return start.startsWith("{") || start.startsWith("[");
    }

    /**
     * Each document in turn, read as YAML (JSON is a subset: JSON documents separated by {@code ---} are YAML
     * too). Only when YAML cannot read a JSON source (concatenated JSON values without {@code ---}, which is
     * not YAML) is it read as a JSON stream. A syntax error ends the file, since where the next document
     * starts is unknown.
     */
    static void parse(String source, String text, boolean json, List<Manifest> manifests, List<ManifestError> errors) {
        List<Manifest> read = new ArrayList<>();
        List<ManifestError> problems = new ArrayList<>();
        boolean yamlSyntax = parse(YAML, "YAML", source, text, read, problems);
        if (!yamlSyntax && (json || looksLikeJson(text))) {
            List<Manifest> readAsJson = new ArrayList<>();
            List<ManifestError> jsonProblems = new ArrayList<>();
            if (parse(JSON, "JSON", source, text, readAsJson, jsonProblems) || json) {
                read = readAsJson;
                problems = jsonProblems;
            }
        }
        manifests.addAll(read);
        errors.addAll(problems);
    }

    /** Reads with {@code mapper}; false when it stopped at a syntax error. */
    private static boolean parse(
            ObjectMapper mapper,
            String format,
            String source,
            String text,
            List<Manifest> manifests,
            List<ManifestError> errors) {
        int read = 0;
        // From a parser rather than the text: Jackson would otherwise read a root array as one value per element.
        try (MappingIterator<JsonNode> documents =
                mapper.readerFor(JsonNode.class).readValues(mapper.getFactory().createParser(text))) {
            while (documents.hasNextValue()) {
                JsonNode body = documents.nextValue();
                int document = ++read;
                if (body == null || body.isNull() || body.isMissingNode()) {
                    continue;
                }
                if (!(body instanceof ObjectNode object)) {
                    errors.add(new ManifestError(
                            source,
                            document,
                            null,
                            "not an object (a document is a mapping with apiVersion, kind and metadata)"));
                    continue;
                }
                manifests.add(new Manifest(source, document, object));
            }
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
            errors.add(new ManifestError(
                    source,
                    read + 1,
                    null,
                    "invalid " + format + (line > 0 ? " at line " + line : "") + ": "
                            + e.getOriginalMessage().lines().findFirst().orElse("")));
            return false;
        } catch (IOException e) {
            errors.add(new ManifestError(source, 0, null, "cannot read: " + e.getMessage()));
        }
        return true;
    }
}
