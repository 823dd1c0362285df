package dev.tendril.security;

import java.nio.file.Path;

/** A certificate and its private key as PEM files. */
public record Credential(Path certificate, Path privateKey) {

    /**
     * {@code <name>.pem} beside {@code <name>.crt}: the key, then the certificate, in one file that is replaced whole.
     * What reloads a credential while it runs reads this file: the two separate files change one after the other, and
     * a reload between the two would pair the new certificate with the old key (every handshake then fails until the
     * next reload).
     */
    public Path bundle() {
        String name = certificate.getFileName().toString().replaceFirst("\\.crt$", "");
        return certificate.resolveSibling(name + ".pem");
    }

    /** This credential as read from its {@link #bundle()}: both paths name it. */
    public Credential bundled() {
        return new Credential(bundle(), bundle());
    }
}
