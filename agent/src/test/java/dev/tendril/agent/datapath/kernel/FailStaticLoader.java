package dev.tendril.agent.datapath.kernel;

import java.nio.file.Path;

/**
 * A stand-in agent process for {@link KernelFailStaticTest}: loads the datapath over a pin directory,
 * attaches the given endpoints, says so on stdout and waits to be killed.
 * Arguments: pin directory, the node's network namespace, then {@code <endpoint id>:<host veth>} pairs.
 */
public final class FailStaticLoader {
    static final String READY = "ATTACHED";

    private FailStaticLoader() {}

    public static void main(String[] args) throws InterruptedException {
        KernelDatapath datapath = KernelDatapath.load(Path.of(args[0]), KernelDatapathConfig.defaults());
        for (int i = 2; i < args.length; i++) {
            String[] pair = args[i].split(":");
            datapath.attach(Integer.parseInt(pair[0]), Path.of(args[1]), pair[1]);
        }
        System.out.println(READY + " " + datapath.programIds());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
