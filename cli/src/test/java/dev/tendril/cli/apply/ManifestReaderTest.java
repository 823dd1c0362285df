package dev.tendril.cli.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestReaderTest {

    @TempDir
    Path dir;

    private static final String TWO_DOCUMENTS = """
            ---
            apiVersion: v1
            kind: Namespace
            metadata:
              name: demo
            ---
            # nothing but a comment
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata:
              name: deny
            spec:
              podSelector: {}
            ---
            """;

    @Test
    void splitsMultiDocumentYamlAndNumbersDocumentsAsWrittenSkippingEmptyOnes() throws IOException {
        Path file = write("all.yaml", TWO_DOCUMENTS);

        ManifestReader.Result result = read(false, file.toString());

        assertThat(result.errors()).isEmpty();
        assertThat(result.manifests())
                .extracting(Manifest::kind, Manifest::name, Manifest::document)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("Namespace", "demo", 1),
                        org.assertj.core.groups.Tuple.tuple("NetworkPolicy", "deny", 3));
        assertThat(result.manifests()).allMatch(m -> m.source().equals(file.toString()));
    }

    @Test
    void aSyntaxErrorNamesTheFileTheDocumentAndTheLine() throws IOException {
        Path file = write("bad.yaml", """
                apiVersion: v1
                kind: Namespace
                metadata: {name: a}
                ---
                apiVersion: v1
                kind: [Namespace
                """);

        ManifestReader.Result result = read(false, file.toString());

        assertThat(result.manifests()).extracting(Manifest::name).containsExactly("a");
        assertThat(result.errors()).singleElement().satisfies(error -> {
            assertThat(error.message()).startsWith(file + ": document 2: invalid YAML at line ");
            assertThat(error.document()).isEqualTo(2);
        });
    }

    @Test
    void readsJsonFilesAndRejectsDocumentsThatAreNotObjects() throws IOException {
        Path json = write("ns.json", """
                {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}
                {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"b"}}
                """);
        Path list = write("list.yaml", "- a\n- b\n");

        ManifestReader.Result result = read(false, json.toString(), list.toString());

        assertThat(result.manifests())
                .extracting(Manifest::name, Manifest::document)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("a", 1), org.assertj.core.groups.Tuple.tuple("b", 2));
        assertThat(result.errors())
                .extracting(ManifestError::message)
                .containsExactly(list
                        + ": document 1: not an object (a document is a mapping with apiVersion, kind and metadata)");
    }

    @Test
    void aDirectoryGivesItsManifestFilesInNameOrderAndSubDirectoriesOnlyWhenRecursive() throws IOException {
        write("b.yml", namespace("b"));
        write("a.yaml", namespace("a"));
        write("c.json", "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"c\"}}");
        write("notes.txt", "not a manifest");
        Files.createDirectories(dir.resolve("sub"));
        write("sub/d.yaml", namespace("d"));

        assertThat(read(false, dir.toString()).manifests())
                .extracting(Manifest::name)
                .containsExactly("a", "b", "c");
        ManifestReader.Result recursive = read(true, dir.toString());
        assertThat(recursive.manifests()).extracting(Manifest::name).containsExactly("a", "b", "c", "d");
        assertThat(recursive.manifests().get(3).source())
                .isEqualTo(dir.resolve("sub/d.yaml").toString());
    }

    @Test
    void readsStandardInputForDashOnce() {
        ManifestReader reader = new ManifestReader(
                false, () -> new ByteArrayInputStream(namespace("piped").getBytes(StandardCharsets.UTF_8)));

        ManifestReader.Result result = reader.read(List.of("-", "-"));

        assertThat(result.manifests()).singleElement().satisfies(m -> {
            assertThat(m.name()).isEqualTo("piped");
            assertThat(m.source()).isEqualTo("<stdin>");
        });
        assertThat(result.errors())
                .extracting(ManifestError::message)
                .containsExactly("<stdin>: '-f -' given more than once");
    }

    @Test
    void readsJsonFromStandardInput() {
        ManifestReader reader = new ManifestReader(
                false,
                () -> new ByteArrayInputStream(
                        "\t{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"j\"}}"
                                .getBytes(StandardCharsets.UTF_8)));

        assertThat(reader.read(List.of("-")).manifests())
                .extracting(Manifest::name)
                .containsExactly("j");
    }

    @Test
    void readsJsonDocumentsSeparatedByYamlDocumentMarkersAsTheYamlStreamTheyAre() throws IOException {
        String stream = """
                {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}
                ---
                {"apiVersion": "v1", "kind": "Namespace",
                 "metadata": {"name": "b"}}
                """;
        Path yaml = write("stream.yaml", stream);
        Path json = write("stream.json", stream);
        ManifestReader fromStdin =
                new ManifestReader(false, () -> new ByteArrayInputStream(stream.getBytes(StandardCharsets.UTF_8)));

        for (ManifestReader.Result result :
                List.of(read(false, yaml.toString()), read(false, json.toString()), fromStdin.read(List.of("-")))) {
            assertThat(result.errors()).isEmpty();
            assertThat(result.manifests())
                    .extracting(Manifest::name, Manifest::document)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple("a", 1), org.assertj.core.groups.Tuple.tuple("b", 2));
        }
    }

    @Test
    void aSyntaxErrorInAJsonFileIsReportedAsJson() throws IOException {
        Path json = write("bad.json", "{\"apiVersion\": \"v1\", \"kind\": [}\n");

        ManifestReader.Result result = read(false, json.toString());

        assertThat(result.manifests()).isEmpty();
        assertThat(result.errors())
                .singleElement()
                .satisfies(
                        error -> assertThat(error.message()).startsWith(json + ": document 1: invalid JSON at line 1"));
    }

    @Test
    void reportsMissingFilesAndEmptyDirectories() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        String missing = dir.resolve("missing.yaml").toString();

        ManifestReader.Result result = read(false, missing, empty.toString());

        assertThat(result.errors())
                .extracting(ManifestError::message)
                .containsExactly(
                        missing + ": no such file or directory",
                        empty + ": no *.yaml, *.yml or *.json files in this directory");
    }

    private ManifestReader.Result read(boolean recursive, String... sources) {
        return new ManifestReader(recursive, () -> {
                    throw new AssertionError("stdin not expected");
                })
                .read(List.of(sources));
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private static String namespace(String name) {
        return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + name + "\n";
    }
}
