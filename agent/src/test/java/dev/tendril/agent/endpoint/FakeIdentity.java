package dev.tendril.agent.endpoint;

import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.RegisterEndpointRequest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The identity service in memory: allocate-or-reuse by label set, from 1000 up; register-or-update by ns/pod. */
final class FakeIdentity implements IdentityClient {

    final Map<String, Endpoint> endpoints = new HashMap<>();
    final Map<String, Integer> identities = new HashMap<>();
    final List<String> calls;
    RuntimeException failRegister;
    RuntimeException failDeregister;
    RuntimeException failMarkTerminating;

    FakeIdentity(List<String> calls) {
        this.calls = calls;
    }

    @Override
    public Endpoint registerEndpoint(RegisterEndpointRequest r) {
        String key = r.getNamespace() + "/" + r.getPod();
        calls.add("identity.register " + key);
        if (failRegister != null) {
            throw failRegister;
        }
        int id = identities.computeIfAbsent(
                r.getNamespace() + new TreeMap<>(r.getLabelsMap()), l -> 1000 + identities.size());
        Endpoint e = Endpoint.newBuilder()
                .setNamespace(r.getNamespace())
                .setPod(r.getPod())
                .setUid(r.getUid())
                .setNode(r.getNode())
                .setIdentity(id)
                .putAllLabels(r.getLabelsMap())
                .setIpv4(r.getIpsList().stream()
                        .filter(ip -> !ip.contains(":"))
                        .findFirst()
                        .orElse(""))
                .setIpv6(r.getIpsList().stream()
                        .filter(ip -> ip.contains(":"))
                        .findFirst()
                        .orElse(""))
                .build();
        endpoints.put(key, e);
        return e;
    }

    @Override
    public void markEndpointTerminating(String namespace, String pod, String uid) {
        String key = namespace + "/" + pod;
        calls.add("identity.terminating " + key);
        if (failMarkTerminating != null) {
            throw failMarkTerminating;
        }
        Endpoint registered = endpoints.get(key);
        if (registered == null || !registered.getUid().equals(uid)) {
            throw new UpstreamException(
                    422, "pod", "identity service: pod: endpoint " + key + " is not registered", null);
        }
        endpoints.put(key, registered.toBuilder().setTerminating(true).build());
    }

    @Override
    public void deregisterEndpoint(String namespace, String pod, String uid) {
        calls.add("identity.deregister " + namespace + "/" + pod);
        if (failDeregister != null) {
            throw failDeregister;
        }
        Endpoint registered = endpoints.get(namespace + "/" + pod);
        if (registered != null && registered.getUid().equals(uid)) {
            endpoints.remove(namespace + "/" + pod);
        }
    }
}
