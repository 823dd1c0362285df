package dev.tendril.policy.lb;

import java.util.List;

/**
 * Events of the load-balancing streams ({@code lb/Service/<ns>/<name>}, {@code lb/EndpointSlice/<ns>/<name>},
 * {@code lb/backends}); {@code revision} is the service-wide load-balancing revision of the write. Stored as
 * JSON under the record's simple name, schema version {@value #SCHEMA_VERSION}: names and fields are the
 * stored format.
 */
public sealed interface LbEvent {

    int SCHEMA_VERSION = 1;

    long revision();

    /** The stream the event belongs to. */
    String stream();

    /** A frontend's reverse-NAT index, allocated once for (Service, address, port, protocol). */
    record RevNat(String address, int port, int protocol, int index) {}

    /** A backend's id, allocated once for (address, port, protocol) and kept while a Service uses it. */
    record BackendId(String address, int port, int protocol, long id) {
        public BackendKey key() {
            return new BackendKey(address, port, protocol);
        }
    }

    /** The Service was created or changed; {@code service} holds its allocated IPs and NodePorts. */
    record ServiceApplied(ServiceSpec service, List<RevNat> revNats, long revision) implements LbEvent {
        public ServiceApplied {
            revNats = List.copyOf(revNats);
        }

        @Override
        public String stream() {
            return "lb/Service/" + service.key();
        }
    }

    /** The Service is gone: its IPs, NodePorts and reverse-NAT indexes are free again. */
    record ServiceDeleted(String namespace, String name, long revision) implements LbEvent {
        @Override
        public String stream() {
            return "lb/Service/" + namespace + "/" + name;
        }
    }

    record EndpointSliceApplied(SliceSpec slice, long revision) implements LbEvent {
        @Override
        public String stream() {
            return "lb/EndpointSlice/" + slice.key();
        }
    }

    record EndpointSliceDeleted(String namespace, String name, long revision) implements LbEvent {
        @Override
        public String stream() {
            return "lb/EndpointSlice/" + namespace + "/" + name;
        }
    }

    /** Backends some Service now uses received ids. */
    record BackendsAllocated(List<BackendId> backends, long revision) implements LbEvent {
        public BackendsAllocated {
            backends = List.copyOf(backends);
        }

        @Override
        public String stream() {
            return BACKENDS_STREAM;
        }
    }

    /** Backends no Service uses any longer: their ids are free again. */
    record BackendsReleased(List<BackendId> backends, long revision) implements LbEvent {
        public BackendsReleased {
            backends = List.copyOf(backends);
        }

        @Override
        public String stream() {
            return BACKENDS_STREAM;
        }
    }

    String BACKENDS_STREAM = "lb/backends";
}
