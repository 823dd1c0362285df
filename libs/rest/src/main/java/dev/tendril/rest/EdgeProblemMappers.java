package dev.tendril.rest;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.tendril.rest.access.NodeScopeException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The refusals every service and agent answers the same way, as problem+json: unreadable or
 * mistyped JSON (400 naming the field), framework refusals (unknown path 404, wrong media type 415,
 * ...), {@link ProblemException}, an unreachable dependency (503), and anything unexpected (500,
 * with an id to find the stack trace in the log; the exception text is not echoed).
 */
public class EdgeProblemMappers {

    private static final Logger LOG = Logger.getLogger(EdgeProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        if (e.status() >= 500 && e.getCause() != null) {
            LOG.warnf(
                    "answered %d: %s (%s)",
                    e.status(), e.getMessage(), e.getCause().toString());
        }
        return Problem.response(e.status(), null, e.getMessage(), e.field());
    }

    /** An agent acting on another node than its own (only reachable when security is on). */
    @ServerExceptionMapper
    public Response nodeScope(NodeScopeException e) {
        return Problem.response(403, null, e.getMessage(), e.field());
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e) {
        return Problem.response(400, null, describe(e), fieldOf(e));
    }

    /** Overrides Quarkus' built-in mapper, which answers a bare JSON object that names no field. */
    @ServerExceptionMapper
    public Response mismatched(MismatchedInputException e) {
        return json(e);
    }

    @ServerExceptionMapper
    public Response framework(WebApplicationException e) {
        JsonProcessingException json = causeOf(e, JsonProcessingException.class);
        if (json != null) {
            return json(json);
        }
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            return unexpected(e);
        }
        String reason = e.getResponse().getStatusInfo().getReasonPhrase();
        String detail = switch (status) {
            case 404 -> "no such resource";
            case 405 -> "method not allowed on this resource";
            case 406 -> "cannot produce the requested media type";
            case 415 -> "unsupported media type; send application/json";
            case 413 -> "request body too large";
            default -> e.getMessage() == null || e.getMessage().isBlank() ? reason : e.getMessage();
        };
        return Problem.response(status, null, detail, status == 400 || status == 415 || status == 413 ? "body" : null);
    }

    /** Anything not mapped more specifically: a dependency that is down is 503, everything else 500. */
    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        String dependency = unavailableDependency(e);
        if (dependency != null) {
            LOG.warnf("answered 503, %s unavailable: %s", dependency, e.toString());
            return Problem.response(503, null, dependency + " is unavailable; nothing was changed, retry later", null);
        }
        String id = UUID.randomUUID().toString();
        LOG.errorf(e, "internal error %s", id);
        return Problem.response(500, null, "internal error " + id + " (the service log has the details)", null);
    }

    /** Which dependency an exception says is unreachable, or null when it is not an outage. */
    static String unavailableDependency(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && isConnectionFailure(sql)) {
                return "database";
            }
            String name = t.getClass().getName();
            if (name.startsWith("org.apache.kafka.common.errors.") && name.endsWith("TimeoutException")) {
                return "Kafka";
            }
            if (t instanceof java.net.ConnectException) {
                return "a dependency";
            }
        }
        return null;
    }

    private static boolean isConnectionFailure(SQLException sql) {
        String state = sql.getSQLState();
        if (state != null) {
            // 08: connection exception; 57P01-03: admin shutdown, crash shutdown, cannot connect now; 53: resources
            return state.startsWith("08") || state.startsWith("57P") || state.startsWith("53");
        }
        String message = sql.getMessage();
        return sql instanceof java.sql.SQLTransientConnectionException
                || sql instanceof java.sql.SQLNonTransientConnectionException
                || (message != null && (message.contains("Acquisition timeout") || message.contains("connection")));
    }

    static String fieldOf(JsonProcessingException e) {
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            StringBuilder path = new StringBuilder();
            for (JsonMappingException.Reference ref : mapping.getPath()) {
                if (ref.getFieldName() != null) {
                    if (!path.isEmpty()) {
                        path.append('.');
                    }
                    path.append(ref.getFieldName());
                } else if (ref.getIndex() >= 0) {
                    path.append('[').append(ref.getIndex()).append(']');
                }
            }
            return path.isEmpty() ? "body" : path.toString();
        }
        return "body";
    }

    static String describe(JsonProcessingException e) {
        if (e instanceof UnrecognizedPropertyException unknown) {
            String known = unknown.getKnownPropertyIds() == null
                    ? ""
                    : unknown.getKnownPropertyIds().stream()
                            .map(String::valueOf)
                            .sorted()
                            .collect(Collectors.joining(", "));
            return "unknown field '" + unknown.getPropertyName() + "'"
                    + (known.isEmpty() ? "" : "; known fields: " + known);
        }
        if (e instanceof InvalidFormatException format
                && format.getValue() instanceof String text
                && text.indexOf('\u0000') >= 0) {
            return "a NUL character is not allowed";
        }
        if (e instanceof InvalidFormatException format) {
            return "cannot read " + quoted(format.getValue()) + " as " + typeName(format.getTargetType());
        }
        if (e instanceof MismatchedInputException mismatched) {
            return "wrong type: expected " + typeName(mismatched.getTargetType());
        }
        if (e instanceof StreamConstraintsException) {
            return "request body exceeds a size limit: " + e.getOriginalMessage();
        }
        if (e instanceof JsonParseException) {
            return "malformed JSON: " + e.getOriginalMessage();
        }
        return "unreadable JSON: " + e.getOriginalMessage();
    }

    private static String quoted(Object value) {
        return value instanceof String s ? "'" + Problem.bounded(s, 64) + "'" : String.valueOf(value);
    }

    private static String typeName(Class<?> type) {
        if (type == null) {
            return "another type";
        }
        if (type == String.class || type.isEnum() || CharSequence.class.isAssignableFrom(type)) {
            return "a string";
        }
        if (type == Integer.class
                || type == int.class
                || type == Long.class
                || type == long.class
                || type == Short.class
                || type == short.class) {
            return "an integer";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "a boolean";
        }
        if (java.util.Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        if (java.util.Map.class.isAssignableFrom(type) || type.isRecord()) {
            return "an object";
        }
        return type.getSimpleName();
    }

    private static <T extends Throwable> T causeOf(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
