package dev.tendril.agent.datapath.kernel;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A stand-in agent process for {@link KernelFailStaticTest}: loads the datapath over a pin directory,
 * attaches the given endpoints, says so on stdout and waits to be killed.
 * Arguments: pin directory, the node's network namespace, then {@code <endpoint id>:<host veth>:<address>,<address>}
 * for each endpoint.
 */
public final class FailStaticLoader {
    static final String READY = "ATTACHED";

    private FailStaticLoader() {}

    public static void main(String[] args) throws InterruptedException, UnknownHostException {
        KernelDatapath datapath = KernelDatapath.load(Path.of(args[0]), KernelDatapathConfig.defaults());
        for (int i = 2; i < args.length; i++) {
            String[] fields = args[i].split(":", 3);
            List<InetAddress> addresses = new ArrayList<>();
            for (String a : fields[2].split(",")) {
                addresses.add(InetAddress.getByName(a));
            }
            datapath.attach(Integer.parseInt(fields[0]), Path.of(args[1]), fields[1], addresses);
        }
        System.out.println(READY + " " + datapath.programIds());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
