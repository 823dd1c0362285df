package dev.tendril.security;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** The DNS names and IP addresses a certificate is issued for, in the order of its extension. */
final class CertificateNames {

    private static final int DNS_NAME = 2;
    private static final int IP_ADDRESS = 7;

    private CertificateNames() {}

    /** IP literals in one spelling ({@code ::1} and {@code 0:0:0:0:0:0:0:1} are the same address). */
    static String normalized(String hostName) {
        boolean ipLiteral = hostName.contains(":") || hostName.chars().allMatch(c -> c == '.' || Character.isDigit(c));
        if (!ipLiteral) {
            return hostName;
        }
        try {
            return java.net.InetAddress.ofLiteral(hostName).getHostAddress();
        } catch (IllegalArgumentException notALiteral) {
            return hostName;
        }
    }

    static List<String> hostNames(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
            if (alternatives == null) {
                return names;
            }
            for (List<?> entry : alternatives) {
                int type = (Integer) entry.get(0);
                if (type == DNS_NAME || type == IP_ADDRESS) {
                    names.add(normalized(entry.get(1).toString()));
                }
            }
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("unreadable subject alternative names", e);
        }
        return names;
    }
}
