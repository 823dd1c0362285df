package dev.tendril.agent.bpf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Whose pins a node's pin directory holds. An agent reuses what it pinned before (its maps outlive it, so a restart
 * finds them with their content), but only its own: the same directory can hold what another agent left, one with
 * another state directory that was killed on the same ports and never taken down. Its maps, programs and links
 * described another stack's pods; taken over, they made the kernel forward traffic this stack's policy denies.
 *
 * <p>Ownership is a random token kept in two places: the agent's state directory ({@value #TOKEN_FILE}) and, beside
 * the pin directory on the bpffs, an empty directory {@code <node>_owner_<token>} (a bpffs holds directories and
 * pinned objects, no regular files, and no name with a dot; the marker stays outside the pin directory, whose entries
 * are read as pins). Pins without both are not ours and are removed before anything opens them. Pins an agent of an
 * older build left (no marker yet) count as not ours too: that agent's first start on this build begins from empty
 * maps, which the first reconcile fills.
 */
public final class PinOwner {

    static final String TOKEN_FILE = "pins-owner";

    private PinOwner() {}

    /**
     * Makes {@code pinDir} this agent's: keeps it when the token in {@code stateDir} marks it, otherwise removes it
     * (and stale markers) and marks the directory for the token, made now when the state directory has none. Returns
     * what was removed, for the start-up log, or empty when nothing was.
     */
    public static Optional<String> claim(Path pinDir, Path stateDir) {
        Path tokenFile = stateDir.resolve(TOKEN_FILE);
        Optional<String> token = readToken(tokenFile);
        if (token.isPresent() && Files.isDirectory(marker(pinDir, token.get()))) {
            return Optional.empty();
        }
        Optional<String> removed = Optional.empty();
        if (Files.exists(pinDir)) {
            List<String> pins = entries(pinDir);
            removeTree(pinDir);
            removed = Optional.of(pinDir + " (" + pins.size() + " pins: " + String.join(", ", pins) + ")");
        }
        for (Path stale : markers(pinDir)) {
            removeTree(stale);
        }
        String own = token.orElseGet(PinOwner::newToken);
        try {
            if (token.isEmpty()) {
                Files.createDirectories(stateDir);
                Files.writeString(tokenFile, own + "\n", StandardCharsets.UTF_8);
            }
            Files.createDirectories(marker(pinDir, own));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot mark " + pinDir + " as this agent's (" + tokenFile + ")", e);
        }
        return removed;
    }

    static Path marker(Path pinDir, String token) {
        return pinDir.resolveSibling(pinDir.getFileName() + "_owner_" + token);
    }

    private static List<Path> markers(Path pinDir) {
        Path parent = pinDir.toAbsolutePath().getParent();
        if (!Files.isDirectory(parent)) {
            return List.of();
        }
        String prefix = pinDir.getFileName() + "_owner_";
        try (Stream<Path> siblings = Files.list(parent)) {
            return siblings.filter(p -> p.getFileName().toString().startsWith(prefix))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + parent, e);
        }
    }

    private static Optional<String> readToken(Path tokenFile) {
        try {
            if (!Files.isRegularFile(tokenFile)) {
                return Optional.empty();
            }
            String token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
            return token.matches("[0-9a-f]{32}") ? Optional.of(token) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + tokenFile, e);
        }
    }

    private static String newToken() {
        byte[] bytes = new byte[16];
        ThreadLocalRandom.current().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static List<String> entries(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /**
     * Unpins everything under {@code dir} and removes it (deepest first, as bpffs removes only empty directories);
     * false when there was nothing.
     */
    public static boolean removeTree(Path dir) {
        if (!Files.exists(dir)) {
            return false;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir + ": " + e.getMessage(), e);
        }
    }
}
