package dev.tendril.rest.access;

import java.util.Locale;
import java.util.Optional;

/**
 * The roles a certificate's organization (O) names. Users are viewer, operator or admin (each includes the one
 * before); agents are node; services calling each other are service. libs/security issues the same names.
 */
public enum Role {
    VIEWER,
    OPERATOR,
    ADMIN,
    NODE,
    SERVICE;

    /** The name in a certificate, e.g. {@code operator}. */
    public String certificateName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Role> fromCertificateName(String organization) {
        if (organization == null) {
            return Optional.empty();
        }
        for (Role role : values()) {
            if (role.certificateName().equals(organization.trim())) {
                return Optional.of(role);
            }
        }
        return Optional.empty();
    }

    /** Whether a caller with this role may do what {@code required} may: admin covers operator, operator viewer. */
    public boolean covers(Role required) {
        return this == required
                || this == ADMIN && (required == OPERATOR || required == VIEWER)
                || this == OPERATOR && required == VIEWER;
    }
}
