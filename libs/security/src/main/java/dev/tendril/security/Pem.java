package dev.tendril.security;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** PEM text: certificates and PKCS#8 private keys, the forms Quarkus, Kafka, grpc-java and the JDK all read. */
public final class Pem {

    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END \\1-----");
    private static final Base64.Encoder MIME = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));

    private Pem() {}

    public static String encode(X509Certificate certificate) {
        try {
            return block("CERTIFICATE", certificate.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encode certificate " + certificate.getSubjectX500Principal(), e);
        }
    }

    public static String encode(PrivateKey key) {
        return block("PRIVATE KEY", key.getEncoded());
    }

    /** A PKCS#10 certificate request's DER as PEM ({@code CERTIFICATE REQUEST}). */
    static String encodeRequest(byte[] der) {
        return block("CERTIFICATE REQUEST", der);
    }

    /** The DER of the first PKCS#10 request in {@code text}; {@code origin} names it in errors. */
    static byte[] parseRequest(String text, String origin) {
        List<byte[]> requests = blocks(text == null ? "" : text, "CERTIFICATE REQUEST");
        if (requests.isEmpty()) {
            throw new IllegalArgumentException(origin + ": no CERTIFICATE REQUEST block (PKCS#10 PEM expected)");
        }
        return requests.getFirst();
    }

    private static String block(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + MIME.encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    /** Every certificate in the file, in order (a chain or a bundle of trusted authorities). */
    public static List<X509Certificate> readCertificates(Path file) {
        return parseCertificates(read(file), file.toString());
    }

    /** Every certificate in PEM {@code text} (e.g. a config file's inline data); {@code origin} names it in errors. */
    public static List<X509Certificate> parseCertificates(String text, String origin) {
        List<X509Certificate> certificates = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (byte[] der : blocks(text, "CERTIFICATE")) {
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(origin + ": not a valid certificate: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException(origin + ": no CERTIFICATE block");
        }
        return certificates;
    }

    public static X509Certificate readCertificate(Path file) {
        return readCertificates(file).getFirst();
    }

    /** The PKCS#8 key in the file (EC or RSA). */
    public static PrivateKey readPrivateKey(Path file) {
        return parsePrivateKey(read(file), file.toString());
    }

    /** The PKCS#8 key in PEM {@code text} (EC or RSA); {@code origin} names it in errors. */
    public static PrivateKey parsePrivateKey(String text, String origin) {
        String file = origin;
        List<byte[]> keys = blocks(text, "PRIVATE KEY");
        if (keys.isEmpty()) {
            throw new IllegalArgumentException(file + ": no PRIVATE KEY block (PKCS#8 expected)");
        }
        for (String algorithm : List.of("EC", "RSA")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(keys.getFirst()));
            } catch (GeneralSecurityException tryNext) {
                // the next algorithm may read it
            }
        }
        throw new IllegalArgumentException(file + ": the private key is neither EC nor RSA PKCS#8");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static List<byte[]> blocks(String text, String type) {
        List<byte[]> found = new ArrayList<>();
        Matcher matcher = BLOCK.matcher(text);
        while (matcher.find()) {
            if (matcher.group(1).equals(type)) {
                found.add(Base64.getMimeDecoder().decode(matcher.group(2)));
            }
        }
        return found;
    }
}
