package dev.tendril.rest.security;

import dev.tendril.rest.access.Caller;
import io.quarkus.security.credential.CertificateCredential;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The caller of a TLS connection, worked out once per TLS session instead of once per request. The client
 * certificate is fixed when the handshake verifies it, and every request of the session (an agent's or a service's
 * gRPC channel carries thousands) comes from that certificate; Quarkus' own mTLS mechanism built a new authentication
 * request, went through the identity provider chain and mapped the roles on every one of them, which was most of
 * what authentication added to a cached identity lookup (docs/BENCHMARKS.md, issue 16).
 *
 * <p>The identity is the one Quarkus' mechanism makes with {@code quarkus.http.auth.certificate-role-attribute=O}:
 * the certificate's subject as principal (which {@link Callers} reads), its organization as the role when it names a
 * Tendril role, the certificate as credential. It is kept in
 * the session ({@link SSLSession#putValue}), so it ends with the session; a resumed session was authenticated by the
 * same certificate. Requests without a certificate (plaintext, or TLS without one) get no identity here, and Quarkus'
 * mechanism, which runs after this one, answers them as before.
 */
@ApplicationScoped
public class SessionCertificateAuthentication implements HttpAuthenticationMechanism {

    static final String SESSION_KEY = "tendril.security-identity";

    /** Before Quarkus' mTLS mechanism (priority 3000 at most), so a session's identity is taken from it first. */
    static final int PRIORITY = 4_000;

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext request, IdentityProviderManager identityProviderManager) {
        SecurityIdentity identity = identity(request.request().sslSession());
        return identity == null ? Uni.createFrom().nullItem() : Uni.createFrom().item(identity);
    }

    /** The session's identity, made and kept at its first request; null without a verified client certificate. */
    static SecurityIdentity identity(SSLSession session) {
        if (session == null) {
            return null;
        }
        if (session.getValue(SESSION_KEY) instanceof SecurityIdentity known) {
            return known;
        }
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException noCertificate) {
            return null;
        }
        if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate certificate)) {
            return null;
        }
        SecurityIdentity made = of(certificate);
        session.putValue(SESSION_KEY, made);
        return made;
    }

    /** The identity for a certificate: its subject, and its organization (O) as the role when O is a Tendril role. */
    static SecurityIdentity of(X509Certificate certificate) {
        QuarkusSecurityIdentity.Builder builder = QuarkusSecurityIdentity.builder()
                .setPrincipal(certificate.getSubjectX500Principal())
                .addCredential(new CertificateCredential(certificate));
        Caller caller = Caller.fromDistinguishedName(
                certificate.getSubjectX500Principal().getName());
        caller.roleIfAny().ifPresent(role -> builder.addRole(role.certificateName()));
        return builder.build();
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        // Refusals are AccessPolicy's (problem+json 401/403); no challenge of its own.
        return Uni.createFrom().nullItem();
    }

    @Override
    public int getPriority() {
        return PRIORITY;
    }
}
