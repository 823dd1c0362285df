package dev.tendril.eventstore;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Who caused an event and in which request: every appended event is stamped with one. The principal
 * is the caller's name ({@code admin}, {@code node:worker-1}, {@code service:policy}), {@code anonymous}
 * for an unauthenticated call, or {@code system:<service>} for a change a service makes on its own (a
 * garbage collector, a consumer of another service's topic). {@code requestId} is null only for the
 * latter.
 */
public record ChangeOrigin(String principal, String requestId) {

    /** Events written before origins were recorded, and stores created without an origin source. */
    public static final ChangeOrigin UNKNOWN = new ChangeOrigin("system", null);

    public static final String ANONYMOUS = "anonymous";

    /** Longest request id a caller may send. */
    public static final int MAX_REQUEST_ID = 128;

    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1," + MAX_REQUEST_ID + "}");

    // Bound by code that works for several callers in one thread (group commits), for each caller's part.
    private static final ScopedValue<ChangeOrigin> BOUND = ScopedValue.newInstance();

    public ChangeOrigin {
        Objects.requireNonNull(principal, "principal");
        if (principal.isBlank()) {
            throw new IllegalArgumentException("principal must not be blank");
        }
        if (requestId != null && !validRequestId(requestId)) {
            throw new IllegalArgumentException("invalid request id");
        }
    }

    /** A change the service makes on its own, outside any request. */
    public static ChangeOrigin system(String service) {
        return new ChangeOrigin("system:" + service, null);
    }

    /** 1 to 128 characters of {@code [A-Za-z0-9._:-]}: safe in a log line, a header and a table cell. */
    public static boolean validRequestId(String requestId) {
        return requestId != null && REQUEST_ID.matcher(requestId).matches();
    }

    /**
     * The principal to record for an authenticated name: the CN of an X.500 name such as
     * {@code CN=admin,O=admin} (a client certificate's subject), otherwise the name as it is.
     */
    public static String principalOf(String name) {
        if (name == null || name.isBlank()) {
            return ANONYMOUS;
        }
        if (name.contains("=")) {
            try {
                List<Rdn> rdns = new LdapName(name).getRdns();
                for (Rdn rdn : rdns) {
                    if (rdn.getType().toUpperCase(Locale.ROOT).equals("CN")) {
                        return rdn.getValue().toString();
                    }
                }
            } catch (InvalidNameException | IllegalArgumentException notX500) {
                return name;
            }
        }
        return name;
    }

    /** The origin bound by {@link #supplyAs} around the current code, if any. */
    static ChangeOrigin bound() {
        return BOUND.isBound() ? BOUND.get() : null;
    }

    /** Runs {@code work} with every event it appends in this thread stamped with {@code origin}. */
    public static <T> T supplyAs(ChangeOrigin origin, Supplier<T> work) {
        return ScopedValue.where(BOUND, origin).call(work::get);
    }
}
