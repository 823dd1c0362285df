package dev.tendril.rest.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.rest.access.Caller;
import dev.tendril.rest.access.Role;
import dev.tendril.security.CertificateAuthority;
import dev.tendril.security.Subject;
import io.quarkus.security.credential.CertificateCredential;
import io.quarkus.security.identity.SecurityIdentity;
import java.lang.reflect.Proxy;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Test;

class SessionCertificateAuthenticationTest {

    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private static final CertificateAuthority AUTHORITY =
            CertificateAuthority.create("test", NOW.minusSeconds(60), NOW.plusSeconds(3600));

    @Test
    void anAgentsSessionIsItsNodeAndItsCertificateIsReadOnce() {
        TlsSession session = new TlsSession(certificate(Subject.node("node-1")));

        SecurityIdentity first = SessionCertificateAuthentication.identity(session.proxy());
        SecurityIdentity second = SessionCertificateAuthentication.identity(session.proxy());

        assertThat(second).isSameAs(first);
        assertThat(session.peerReads.get()).isEqualTo(1);
        assertThat(first.getPrincipal().getName()).isEqualTo("CN=node:node-1,O=node");
        assertThat(first.getRoles()).containsExactly("node");
        assertThat(first.getCredential(CertificateCredential.class).getCertificate())
                .isEqualTo(session.certificate);
        Caller caller = Callers.of(first);
        assertThat(caller.role()).isEqualTo(Role.NODE);
        assertThat(caller.node()).contains("node-1");
    }

    @Test
    void eachSessionHasTheCallerOfItsOwnCertificate() {
        TlsSession admin = new TlsSession(certificate(Subject.user("alice", Subject.ROLE_ADMIN)));
        TlsSession viewer = new TlsSession(certificate(Subject.user("bob", Subject.ROLE_VIEWER)));

        assertThat(Callers.of(SessionCertificateAuthentication.identity(admin.proxy())))
                .isEqualTo(new Caller("alice", Role.ADMIN, true));
        assertThat(Callers.of(SessionCertificateAuthentication.identity(viewer.proxy())))
                .isEqualTo(new Caller("bob", Role.VIEWER, true));
        assertThat(Callers.of(SessionCertificateAuthentication.identity(admin.proxy()))
                        .role())
                .isEqualTo(Role.ADMIN);
    }

    @Test
    void aCertificateNamingNoTendrilRoleAuthenticatesWithoutARole() {
        TlsSession session = new TlsSession(certificate(new Subject("mallory", "acme")));

        SecurityIdentity identity = SessionCertificateAuthentication.identity(session.proxy());

        assertThat(identity.getRoles()).isEmpty();
        assertThat(Callers.of(identity)).isEqualTo(new Caller("mallory", null, true));
    }

    @Test
    void withoutACertificateOrTlsThereIsNoIdentityAndNothingIsKept() {
        TlsSession session = new TlsSession(null);

        assertThat(SessionCertificateAuthentication.identity(session.proxy())).isNull();
        assertThat(session.values).isEmpty();
        assertThat(SessionCertificateAuthentication.identity(null)).isNull();
    }

    private static X509Certificate certificate(Subject subject) {
        return AUTHORITY
                .issue(subject, List.of(), NOW.minusSeconds(60), NOW.plusSeconds(3600))
                .certificate();
    }

    /** The parts of a TLS session the mechanism reads: the verified peer chain and the session's values. */
    private static final class TlsSession {
        final X509Certificate certificate;
        final Map<String, Object> values = new HashMap<>();
        final AtomicInteger peerReads = new AtomicInteger();

        TlsSession(X509Certificate certificate) {
            this.certificate = certificate;
        }

        SSLSession proxy() {
            return (SSLSession) Proxy.newProxyInstance(
                    SSLSession.class.getClassLoader(), new Class<?>[] {SSLSession.class}, (proxy, method, args) -> {
                        switch (method.getName()) {
                            case "getPeerCertificates" -> {
                                peerReads.incrementAndGet();
                                if (certificate == null) {
                                    throw new SSLPeerUnverifiedException("peer not authenticated");
                                }
                                return new Certificate[] {certificate, AUTHORITY.certificate()};
                            }
                            case "getValue" -> {
                                return values.get((String) args[0]);
                            }
                            case "putValue" -> {
                                values.put((String) args[0], args[1]);
                                return null;
                            }
                            default -> throw new UnsupportedOperationException(method.getName());
                        }
                    });
        }
    }
}
