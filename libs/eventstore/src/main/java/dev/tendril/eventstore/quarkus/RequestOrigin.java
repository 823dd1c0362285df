package dev.tendril.eventstore.quarkus;

import jakarta.enterprise.context.RequestScoped;

/** The REST request's id and authenticated principal, set by {@link RequestIdFilter} before the resource runs. */
@RequestScoped
public class RequestOrigin {

    private String requestId;
    private String principal;

    public String requestId() {
        return requestId;
    }

    public String principal() {
        return principal;
    }

    void set(String requestId, String principal) {
        this.requestId = requestId;
        this.principal = principal;
    }
}
