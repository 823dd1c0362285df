package dev.tendril.agent.adapters;

import dev.tendril.agent.state.NodeImage;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.datapath.ipcache.IpcacheKey;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An image's endpoints by address (as {@link IpcacheKey#format} prints it), built once per image: the images are
 * immutable and replaced whole, so the index of the last one asked for is kept until another is.
 */
final class EndpointsByAddress {

    private record Index(NodeImage image, Map<String, Endpoint> byAddress) {}

    private volatile Index index = new Index(null, Map.of());

    /** The endpoint holding {@code address} in {@code image}, or null. */
    Endpoint find(NodeImage image, InetAddress address) {
        return of(image).get(IpcacheKey.format(address));
    }

    Map<String, Endpoint> of(NodeImage image) {
        Index i = index;
        if (i.image() != image) {
            Map<String, Endpoint> out = new HashMap<>();
            for (Endpoint ep : image.endpoints().values()) {
                for (String ip : List.of(ep.getIpv4(), ep.getIpv6())) {
                    if (!ip.isEmpty()) {
                        out.put(canonical(ip), ep);
                    }
                }
            }
            i = new Index(image, Map.copyOf(out));
            index = i;
        }
        return i.byAddress();
    }

    private static String canonical(String ip) {
        try {
            return IpcacheKey.format(InetAddress.getByName(ip));
        } catch (UnknownHostException e) {
            return ip;
        }
    }
}
