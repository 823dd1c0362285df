package dev.tendril.cli.ui;

import dev.tendril.cli.TendrilCommand;
import dev.tendril.cli.api.ServiceException;
import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.Stack;
import dev.tendril.cli.stack.StackOption;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tendril ui}: serves the flows service's service map page on {@code http://127.0.0.1:12000/ui/} until
 * interrupted, asking the flows service with this CLI's credentials, so a browser needs no certificate of its own
 * (as {@code cilium hubble ui} port-forwards to Hubble UI on the same port).
 */
@Command(
        name = "ui",
        mixinStandardHelpOptions = true,
        description = {
            "Open the service map (the flows service's /ui/ page) in a browser on this machine:",
            "serves it on http://127.0.0.1:PORT/ui/ and asks the flows service with your credentials",
            "(like 'cilium hubble ui'). Runs until interrupted (Ctrl-C)."
        })
public final class UiCommand implements Callable<Integer> {

    /** Hubble UI's port-forward port, which {@code cilium hubble ui} opens. */
    static final int DEFAULT_PORT = 12000;

    @Option(
            names = "--port",
            paramLabel = "PORT",
            defaultValue = "" + DEFAULT_PORT,
            description = "Loopback port to serve the page on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = {"-n", "--namespace"},
            paramLabel = "NS",
            description = "Print the page's address with these namespaces picked (commas between several).")
    String namespace;

    @Mixin
    StackOption stackOption;

    @Spec
    CommandSpec spec;

    /** Released by {@link #stop} (tests); otherwise the command runs until the process is interrupted. */
    private final CountDownLatch stopped = new CountDownLatch(1);

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (port < 0 || port > 65535) {
            err.println("Error: --port must be 0..65535, not " + port);
            return TendrilCommand.EXIT_USAGE;
        }
        Stack stack = stackOption.stack();
        Component flows =
                stack.component("flows").orElseThrow(() -> new ServiceException("no flows service in the local stack"));
        try (UiProxy proxy = new UiProxy(URI.create(flows.url()), stack.tls(), port)) {
            String page = proxy.pageUri().toString();
            if (namespace != null && !namespace.isBlank()) {
                page += "?namespace=" + URLEncoder.encode(namespace.trim(), StandardCharsets.UTF_8);
            }
            out.println("Service map of " + flows.url() + " at " + page);
            out.println("Open it in a browser on this machine; Ctrl-C stops.");
            out.flush();
            stopped.await();
            return 0;
        } catch (IOException e) {
            err.println("Error: cannot serve on 127.0.0.1:" + port + ": " + e.getMessage()
                    + (port == DEFAULT_PORT ? " (another 'tendril ui' running? try --port 0)" : ""));
            return TendrilCommand.EXIT_ERROR;
        }
    }

    /** Ends {@link #call} (tests run the command on a thread of their own). */
    public void stop() {
        stopped.countDown();
    }
}
