package dev.tendril.security;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;

/** A certificate the authority issued, with the private key made for it. */
public record IssuedCertificate(X509Certificate certificate, PrivateKey privateKey) {

    public IssuedCertificate {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(privateKey, "privateKey");
    }

    public String certificatePem() {
        return Pem.encode(certificate);
    }

    public String privateKeyPem() {
        return Pem.encode(privateKey);
    }

    /** Writes the certificate (0644 would do, 0600 is kept for simplicity) and the key, both 0600. */
    public Credential writeTo(Path certificateFile, Path keyFile) {
        SecretFiles.write(certificateFile, certificatePem());
        SecretFiles.write(keyFile, privateKeyPem());
        return new Credential(certificateFile, keyFile);
    }
}
