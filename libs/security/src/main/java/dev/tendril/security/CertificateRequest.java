package dev.tendril.security;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Objects;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * A PKCS#10 certificate request: how one party gets a certificate from another's authority without the private key
 * ever leaving it (a ClusterMesh peer signs the {@code mesh:<cluster>} client certificate of a cluster that connects to
 * it). {@link #parse} checks the request's signature, so the requester holds the key it names.
 *
 * @param subject   the common name and organization the request asks for (nothing else is read from it)
 * @param publicKey the key the certificate is to carry
 */
public record CertificateRequest(Subject subject, PublicKey publicKey) {

    private static final String SIGNATURE = "SHA256withECDSA";

    public CertificateRequest {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(publicKey, "publicKey");
    }

    /**
     * A new EC P-256 key pair and the PEM request for {@code subject} signed with it; the private key stays with the
     * caller, the public key is what a signed certificate must carry.
     */
    public record Pending(PrivateKey privateKey, PublicKey publicKey, String pem) {}

    public static Pending create(Subject subject) {
        KeyPair keys = CertificateAuthority.newKeyPair();
        try {
            byte[] der = new JcaPKCS10CertificationRequestBuilder(
                            new X500Principal(subject.distinguishedName()), keys.getPublic())
                    .build(new JcaContentSignerBuilder(SIGNATURE).build(keys.getPrivate()))
                    .getEncoded();
            return new Pending(keys.getPrivate(), keys.getPublic(), Pem.encodeRequest(der));
        } catch (OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot make a certificate request for " + subject.distinguishedName(), e);
        }
    }

    /**
     * The request in PEM {@code text}, its signature checked; a text that is not one, a bad signature or a subject
     * without exactly a common name and an organization is an {@link IllegalArgumentException} naming {@code origin}.
     */
    public static CertificateRequest parse(String text, String origin) {
        byte[] der = Pem.parseRequest(text, origin);
        JcaPKCS10CertificationRequest request;
        PublicKey key;
        try {
            request = new JcaPKCS10CertificationRequest(der);
            key = request.getPublicKey();
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException(origin + ": not a PKCS#10 certificate request: " + e.getMessage(), e);
        }
        try {
            if (!request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
                throw new IllegalArgumentException(
                        origin + ": the request's signature does not verify with the key it carries");
            }
        } catch (OperatorCreationException | PKCSException e) {
            throw new IllegalArgumentException(origin + ": cannot check the request's signature: " + e.getMessage(), e);
        }
        return new CertificateRequest(subject(request, origin), key);
    }

    private static Subject subject(JcaPKCS10CertificationRequest request, String origin) {
        String name;
        try {
            name = new X500Principal(request.getSubject().getEncoded()).getName();
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(origin + ": unreadable subject: " + e.getMessage(), e);
        }
        String commonName = null;
        String organization = null;
        try {
            LdapName ldap = new LdapName(name);
            if (ldap.size() != 2) {
                throw new IllegalArgumentException(origin + ": the subject must be exactly CN=...,O=..., was " + name);
            }
            for (Rdn rdn : ldap.getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    commonName = rdn.getValue().toString();
                } else if (rdn.getType().equalsIgnoreCase("O")) {
                    organization = rdn.getValue().toString();
                }
            }
        } catch (InvalidNameException e) {
            throw new IllegalArgumentException(origin + ": unreadable subject " + name, e);
        }
        if (commonName == null || organization == null) {
            throw new IllegalArgumentException(origin + ": the subject must be exactly CN=...,O=..., was " + name);
        }
        try {
            return new Subject(commonName, organization);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(origin + ": " + e.getMessage(), e);
        }
    }
}
