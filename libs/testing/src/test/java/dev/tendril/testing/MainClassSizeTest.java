package dev.tendril.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every production source file of the repository stays under {@value #LIMIT} lines, so that no class
 * grows into a second responsibility unnoticed. A codec or one cohesive algorithm may be longer when
 * a comment in it says so with the words {@value #EXCEPTION_MARKER} and the reason.
 */
class MainClassSizeTest {

    static final int LIMIT = 400;
    static final String EXCEPTION_MARKER = "Longer than 400 lines:";
    private static final Set<String> SKIPPED = Set.of("target", "node_modules");

    @Test
    void everyMainSourceFileIsUnderTheLimitOrSaysWhyNot() throws IOException {
        Path root = repositoryRoot();
        List<String> tooLong = mainSources(root).stream()
                .filter(file -> lines(file).size() >= LIMIT)
                .filter(file -> lines(file).stream().noneMatch(line -> line.contains(EXCEPTION_MARKER)))
                .map(file -> root.relativize(file) + " (" + lines(file).size() + " lines)")
                .sorted()
                .toList();
        assertThat(tooLong)
                .as("main sources of %d lines or more without a '%s' comment", LIMIT, EXCEPTION_MARKER)
                .isEmpty();
    }

    @Test
    void findsTheRepositorysSources() throws IOException {
        assertThat(mainSources(repositoryRoot()))
                .as("a scan that finds nothing would pass whatever the sizes")
                .hasSizeGreaterThan(100);
    }

    /** Java files under any src/main/java, not descending into build output, VCS or local stack data. */
    private static List<Path> mainSources(Path root) throws IOException {
        List<Path> sources = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
                String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
                boolean skip = !dir.equals(root) && (name.startsWith(".") || SKIPPED.contains(name));
                return skip ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                if (file.toString().endsWith(".java")
                        && file.toString().replace('\\', '/').contains("/src/main/java/")) {
                    sources.add(file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return sources;
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The directory holding the Maven wrapper, above this module's directory. */
    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("mvnw"))) {
            dir = dir.getParent();
        }
        assertThat(dir)
                .as(
                        "repository root (a directory with mvnw) above %s",
                        Path.of("").toAbsolutePath())
                .isNotNull();
        return dir;
    }
}
