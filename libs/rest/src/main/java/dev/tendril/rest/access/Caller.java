package dev.tendril.rest.access;

import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Who made a request: the certificate's common name (CN) and the role its organization (O) names; anonymous when
 * no certificate was presented. A certificate whose O names no Tendril role authenticates but holds no role.
 */
public record Caller(String name, Role role, boolean authenticated) {

    public static final String ANONYMOUS = "anonymous";
    private static final String NODE_PREFIX = "node:";

    public static Caller anonymous() {
        return new Caller(ANONYMOUS, null, false);
    }

    /** From an X.500 name such as {@code CN=node:node-1,O=node}. */
    public static Caller fromDistinguishedName(String distinguishedName) {
        String commonName = null;
        String organization = null;
        try {
            for (Rdn rdn : new LdapName(distinguishedName).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    commonName = rdn.getValue().toString();
                } else if (rdn.getType().equalsIgnoreCase("O")) {
                    organization = rdn.getValue().toString();
                }
            }
        } catch (InvalidNameException | IllegalArgumentException notADistinguishedName) {
            return new Caller(distinguishedName, null, true);
        }
        return new Caller(
                commonName == null ? distinguishedName : commonName,
                Role.fromCertificateName(organization).orElse(null),
                true);
    }

    public Optional<Role> roleIfAny() {
        return Optional.ofNullable(role);
    }

    /** The node an agent's certificate names ({@code CN=node:<node>, O=node}); empty for everyone else. */
    public Optional<String> node() {
        if (role == Role.NODE && name.startsWith(NODE_PREFIX) && name.length() > NODE_PREFIX.length()) {
            return Optional.of(name.substring(NODE_PREFIX.length()));
        }
        return Optional.empty();
    }

    /** How a refusal names the caller: {@code CN=alice (role viewer)}. */
    public String describe() {
        if (!authenticated) {
            return ANONYMOUS;
        }
        return "CN=" + name + (role == null ? " (no Tendril role in O)" : " (role " + role.certificateName() + ")");
    }
}
