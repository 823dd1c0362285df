package dev.tendril.agent.datapath.fabric;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * iproute2 run as a child process: {@code ip} one command at a time or as a batch read from stdin, in a
 * named network namespace ({@code ip -n}) or the caller's. A failure throws {@link FabricException} with
 * the command line, the batch input and what ip printed.
 */
final class Ip {
    private static final long TIMEOUT_SECONDS = 30;
    private static final Pattern LINK = Pattern.compile("^(\\d+): ([^:@\\s]+)(?:@(\\S+))?: <([^>]*)>.*");
    private static final Pattern ALIAS = Pattern.compile("\\\\\\s+alias (\\S+)");
    private static final Pattern LINK_NETNS = Pattern.compile(" link-netns (\\S+)");

    /**
     * A link as {@code ip -o link show} prints it: {@code peerIndex} is a veth's peer's index (-1: none),
     * {@code peerNetns} the named namespace the peer is in ("" when ip names none).
     */
    record Link(int index, String name, int peerIndex, String peerNetns, String alias) {}

    /** What a command printed and how it ended. */
    record Result(List<String> command, int exit, String out, String err) {
        boolean ok() {
            return exit == 0;
        }
    }

    private Ip() {}

    /** {@code ip [-n netns] args...}, throwing when it fails. */
    static String run(String netns, String... args) {
        Result r = attempt(netns, args);
        if (!r.ok()) {
            throw failure(r, "");
        }
        return r.out();
    }

    /** The same, returning the failure instead of throwing it. */
    static Result attempt(String netns, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        if (netns != null) {
            cmd.addAll(List.of("-n", netns));
        }
        cmd.addAll(List.of(args));
        return exec(cmd, "");
    }

    /** {@code ip [-n netns] -batch -} with one command per line; stops at the first failing line. */
    static void batch(String netns, List<String> lines) {
        if (lines.isEmpty()) {
            return;
        }
        List<String> cmd = new ArrayList<>(List.of("ip"));
        if (netns != null) {
            cmd.addAll(List.of("-n", netns));
        }
        cmd.addAll(List.of("-batch", "-"));
        String input = String.join("\n", lines) + "\n";
        Result r = exec(cmd, input);
        if (!r.ok()) {
            throw failure(r, input);
        }
    }

    /** Any command: used for {@code ip netns exec <ns> sysctl ...}. */
    static void exec(String... cmd) {
        Result r = exec(List.of(cmd), "");
        if (!r.ok()) {
            throw failure(r, "");
        }
    }

    /** The links of a namespace (null: the caller's). */
    static List<Link> links(String netns) {
        return parseLinks(run(netns, "-o", "link", "show"));
    }

    /** The links in {@code ip -o link show}'s output. */
    static List<Link> parseLinks(String output) {
        List<Link> out = new ArrayList<>();
        for (String line : output.split("\n")) {
            Matcher m = LINK.matcher(line);
            if (!m.matches()) {
                continue;
            }
            String peer = m.group(3);
            int peerIndex = peer != null && peer.startsWith("if") ? Integer.parseInt(peer.substring(2)) : -1;
            Matcher alias = ALIAS.matcher(line);
            Matcher peerNetns = LINK_NETNS.matcher(line);
            out.add(new Link(
                    Integer.parseInt(m.group(1)),
                    m.group(2),
                    peerIndex,
                    peerNetns.find() ? peerNetns.group(1) : "",
                    alias.find() ? alias.group(1) : ""));
        }
        return out;
    }

    /** The global-scope addresses on {@code device}, as {@code address/bits}. */
    static List<String> addresses(String netns, String device) {
        List<String> out = new ArrayList<>();
        for (String line : run(netns, "-o", "addr", "show", "dev", device, "scope", "global")
                .split("\n")) {
            String[] f = line.trim().split("\\s+");
            for (int i = 0; i + 1 < f.length; i++) {
                if (f[i].equals("inet") || f[i].equals("inet6")) {
                    out.add(f[i + 1]);
                }
            }
        }
        return out;
    }

    /** The destinations of the routes of one family matching {@code selector} ({@code dev X}, ...). */
    static List<String> routes(String netns, boolean ipv4, String... selector) {
        List<String> args = new ArrayList<>(List.of(ipv4 ? "-4" : "-6", "-o", "route", "show"));
        args.addAll(List.of(selector));
        List<String> out = new ArrayList<>();
        for (String line : run(netns, args.toArray(String[]::new)).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (!f[0].isEmpty()) {
                out.add(f[0]);
            }
        }
        return out;
    }

    /** The names of the network namespaces in /var/run/netns. */
    static List<String> namespaces() {
        List<String> out = new ArrayList<>();
        for (String line : run(null, "netns", "list").split("\n")) {
            String name = line.trim().split("\\s+")[0];
            if (!name.isEmpty()) {
                out.add(name);
            }
        }
        return out;
    }

    private static Result exec(List<String> cmd, String stdin) {
        Process p;
        try {
            p = new ProcessBuilder(cmd).start();
        } catch (IOException e) {
            throw new FabricException(String.join(" ", cmd) + ": cannot start: " + e.getMessage(), e);
        }
        try {
            // Their own threads, not the common pool: a pool worker blocked on a lock this caller holds would never
            // drain; and not this one, which waits for the exit with a deadline (a command that never ends, holding
            // the stack's lock, would otherwise hold it for good).
            CompletableFuture<String> err = CompletableFuture.supplyAsync(
                    () -> drain(p.getErrorStream()),
                    r -> Thread.ofPlatform().daemon().name("ip-stderr").start(r));
            CompletableFuture<String> out = CompletableFuture.supplyAsync(
                    () -> drain(p.getInputStream()),
                    r -> Thread.ofPlatform().daemon().name("ip-stdout").start(r));
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new FabricException(String.join(" ", cmd) + ": no answer within " + TIMEOUT_SECONDS + " s");
            }
            return new Result(cmd, p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            p.destroyForcibly();
            throw new FabricException(String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new FabricException(String.join(" ", cmd) + ": interrupted", e);
        }
    }

    private static String drain(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static FabricException failure(Result r, String input) {
        StringBuilder sb = new StringBuilder(String.join(" ", r.command()))
                .append(" failed (exit ")
                .append(r.exit())
                .append("): ")
                .append(r.err().strip().isEmpty() ? r.out().strip() : r.err().strip());
        if (!input.isEmpty()) {
            sb.append("\ninput:\n").append(input.strip());
        }
        return new FabricException(sb.toString());
    }
}
