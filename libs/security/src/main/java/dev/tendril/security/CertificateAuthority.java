package dev.tendril.security;

import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority kept in two PEM files. Keys are ECDSA P-256 (cheap handshakes, read by every TLS
 * stack Tendril uses); every issued certificate is good for both ends of a connection, so one credential per
 * component serves its HTTPS/gRPC port, its calls to other services and its Kafka connection.
 */
public final class CertificateAuthority {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String SIGNATURE = "SHA256withECDSA";

    private final X509Certificate certificate;
    private final PrivateKey privateKey;

    private CertificateAuthority(X509Certificate certificate, PrivateKey privateKey) {
        this.certificate = Objects.requireNonNull(certificate, "certificate");
        this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
    }

    /** A new self-signed authority named {@code CN=<name>}. */
    public static CertificateAuthority create(String name, Instant notBefore, Instant notAfter) {
        KeyPair keys = newKeyPair();
        X500Name subject = new X500Name("CN=" + javax.naming.ldap.Rdn.escapeValue(name) + ",O=tendril");
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                            subject, serial(), Date.from(notBefore), Date.from(notAfter), subject, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(
                            Extension.subjectKeyIdentifier,
                            false,
                            extensions.createSubjectKeyIdentifier(keys.getPublic()));
            return new CertificateAuthority(sign(builder, keys.getPrivate()), keys.getPrivate());
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot create certificate authority " + name, e);
        }
    }

    /**
     * The authority whose key is in {@code files.privateKey()} and whose certificate is the one in
     * {@code files.certificate()} that goes with that key. The certificate file is the stack's trust bundle: the signing
     * authority first, then authorities still trusted during a rotation ({@link AuthorityRotation}); matching by key
     * keeps a rotation cut short between writing the key and the bundle from pairing a key with the wrong certificate.
     */
    public static CertificateAuthority load(Credential files) {
        PrivateKey key = Pem.readPrivateKey(files.privateKey());
        List<X509Certificate> certificates = Pem.readCertificates(files.certificate());
        for (X509Certificate certificate : certificates) {
            if (matches(certificate, key)) {
                return new CertificateAuthority(certificate, key);
            }
        }
        throw new IllegalStateException("no certificate in " + files.certificate() + " goes with the key in "
                + files.privateKey() + " (" + certificates.size() + " certificates)");
    }

    /** True when {@code key} is the private half of {@code certificate}'s public key (a signature it verifies). */
    static boolean matches(X509Certificate certificate, PrivateKey key) {
        if (!certificate.getPublicKey().getAlgorithm().equals(key.getAlgorithm())) {
            return false;
        }
        byte[] probe = "tendril authority key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try {
            String algorithm = key.getAlgorithm().equals("EC") ? SIGNATURE : "SHA256withRSA";
            java.security.Signature signer = java.security.Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            java.security.Signature verifier = java.security.Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    PrivateKey privateKey() {
        return privateKey;
    }

    /** Writes the authority's certificate and key (both 0600). */
    public Credential writeTo(Path certificateFile, Path keyFile) {
        return new IssuedCertificate(certificate, privateKey).writeTo(certificateFile, keyFile);
    }

    /**
     * A certificate for {@code subject}, valid from {@code notBefore} to {@code notAfter}, usable as a TLS
     * client and, with {@code hostNames} (DNS names or IP literals), as a TLS server.
     */
    public IssuedCertificate issue(Subject subject, List<String> hostNames, Instant notBefore, Instant notAfter) {
        KeyPair keys = newKeyPair();
        return new IssuedCertificate(
                sign(subject, keys.getPublic(), hostNames, notBefore, notAfter), keys.getPrivate());
    }

    /**
     * A certificate for {@code subject} over a key this authority never sees ({@link CertificateRequest}: the holder
     * keeps the private key), with the same uses as {@link #issue}.
     */
    public X509Certificate sign(
            Subject subject, PublicKey publicKey, List<String> hostNames, Instant notBefore, Instant notAfter) {
        if (!notAfter.isAfter(notBefore)) {
            throw new IllegalArgumentException("notAfter must be after notBefore");
        }
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            List<KeyPurposeId> purposes = new ArrayList<>(List.of(KeyPurposeId.id_kp_clientAuth));
            if (!hostNames.isEmpty()) {
                purposes.add(KeyPurposeId.id_kp_serverAuth);
            }
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                            certificate,
                            serial(),
                            Date.from(notBefore),
                            Date.from(notAfter),
                            new javax.security.auth.x500.X500Principal(subject.distinguishedName()),
                            publicKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(
                            Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
                    .addExtension(
                            Extension.extendedKeyUsage,
                            false,
                            new ExtendedKeyUsage(purposes.toArray(KeyPurposeId[]::new)))
                    .addExtension(
                            Extension.authorityKeyIdentifier,
                            false,
                            extensions.createAuthorityKeyIdentifier(certificate))
                    .addExtension(
                            Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(publicKey));
            if (!hostNames.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false, alternativeNames(hostNames));
            }
            return sign(builder, privateKey);
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue a certificate for " + subject.distinguishedName(), e);
        }
    }

    private static GeneralNames alternativeNames(List<String> hostNames) {
        GeneralName[] names = hostNames.stream()
                .map(host -> isIpLiteral(host)
                        ? new GeneralName(GeneralName.iPAddress, host)
                        : new GeneralName(GeneralName.dNSName, host))
                .toArray(GeneralName[]::new);
        return new GeneralNames(names);
    }

    private static boolean isIpLiteral(String host) {
        return host.contains(":") || host.chars().allMatch(c -> c == '.' || Character.isDigit(c));
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
            throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE).build(signer)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("cannot sign with " + SIGNATURE, e);
        }
    }

    static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no EC P-256 key pair generator in this JDK", e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    /** The public key of the authority, which verifies everything it issued. */
    public PublicKey publicKey() {
        return certificate.getPublicKey();
    }
}
