package dev.tendril.flows.adapters.grpc;

import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.quarkus.grpc.runtime.health.GrpcHealthStorage;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * {@code grpc.health.v1.Health/Check} for the name {@code hubble status} asks about,
 * {@code hubble.server.Observer}, besides the ones Quarkus registers itself ("" and every service here:
 * {@code observer.Observer}, {@code peer.Peer}).
 */
@ApplicationScoped
public class HubbleHealth {

    /** The service name Hubble's server registers its health under. */
    public static final String HUBBLE_SERVER = "hubble.server.Observer";

    @Inject
    GrpcHealthStorage health;

    void onStart(@Observes StartupEvent event) {
        health.setStatus(HUBBLE_SERVER, ServingStatus.SERVING);
    }
}
