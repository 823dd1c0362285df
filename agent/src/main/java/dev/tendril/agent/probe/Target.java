package dev.tendril.agent.probe;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** One end of a probe as the caller named it: a pod or an address. */
public sealed interface Target {

    Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    Pattern IP_LITERAL = Pattern.compile("[0-9a-fA-F:.]+");

    /** {@code namespace/pod}. */
    record Pod(String namespace, String pod) implements Target {
        public String key() {
            return namespace + "/" + pod;
        }
    }

    record Address(InetAddress ip) implements Target {}

    /** @throws ProbeException 400 naming {@code field} */
    static Target parse(String field, String value) {
        if (value == null || value.isBlank()) {
            throw ProbeException.invalid(field, "is required: namespace/pod or an IP address");
        }
        int slash = value.indexOf('/');
        if (slash >= 0) {
            String ns = value.substring(0, slash);
            String pod = value.substring(slash + 1);
            if (!DNS_LABEL.matcher(ns).matches() || !DNS_SUBDOMAIN.matcher(pod).matches()) {
                throw ProbeException.invalid(
                        field, "'" + value + "' is not namespace/pod (a DNS label / a DNS subdomain)");
            }
            return new Pod(ns, pod);
        }
        if (!IP_LITERAL.matcher(value).matches() || (value.indexOf(':') < 0 && value.split("\\.", -1).length != 4)) {
            throw ProbeException.invalid(field, "'" + value + "' is neither namespace/pod nor an IP address");
        }
        try {
            return new Address(InetAddress.getByName(value));
        } catch (UnknownHostException e) {
            throw ProbeException.invalid(field, "'" + value + "' is not an IP address");
        }
    }
}
