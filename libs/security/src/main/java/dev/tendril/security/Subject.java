package dev.tendril.security;

import java.util.regex.Pattern;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Who a certificate names, the way Kubernetes reads client certificates: the common name is the principal,
 * the organization its role. Users are {@code CN=<user>, O=viewer|operator|admin}; agents
 * {@code CN=node:<node>, O=node}; services {@code CN=service:<name>, O=service}.
 */
public record Subject(String commonName, String organization) {

    public static final String ROLE_VIEWER = "viewer";
    public static final String ROLE_OPERATOR = "operator";
    public static final String ROLE_ADMIN = "admin";
    public static final String ROLE_NODE = "node";
    public static final String ROLE_SERVICE = "service";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}");

    public Subject {
        if (commonName == null || !NAME.matcher(commonName).matches()) {
            throw new IllegalArgumentException("common name must be 1-128 of [A-Za-z0-9._:@-], was " + commonName);
        }
        if (organization == null || !NAME.matcher(organization).matches()) {
            throw new IllegalArgumentException("organization must be 1-128 of [A-Za-z0-9._:@-], was " + organization);
        }
    }

    public static Subject user(String name, String role) {
        return new Subject(name, role);
    }

    public static Subject node(String nodeName) {
        return new Subject("node:" + nodeName, ROLE_NODE);
    }

    public static Subject service(String serviceName) {
        return new Subject("service:" + serviceName, ROLE_SERVICE);
    }

    /** The X.500 name, e.g. {@code CN=admin,O=admin}. */
    public String distinguishedName() {
        return "CN=" + Rdn.escapeValue(commonName) + ",O=" + Rdn.escapeValue(organization);
    }

    /**
     * The common name in an X.500 name such as {@code CN=node:node-1,O=node}; the text itself when it is not
     * one (a principal that did not come from a certificate).
     */
    public static String commonNameOf(String principalName) {
        try {
            for (Rdn rdn : new LdapName(principalName).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return rdn.getValue().toString();
                }
            }
        } catch (InvalidNameException | IllegalArgumentException e) {
            return principalName;
        }
        return principalName;
    }
}
