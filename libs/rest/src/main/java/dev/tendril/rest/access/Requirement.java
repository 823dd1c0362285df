package dev.tendril.rest.access;

import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/** What an operation asks of its caller: nothing ({@link #none()}), or one of a set of roles. */
public record Requirement(boolean unauthenticated, Set<Role> roles) {

    public Requirement {
        roles = roles.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(roles));
    }

    public static Requirement none() {
        return new Requirement(true, Set.of());
    }

    /** Any of {@code roles}, or a role that covers one of them (admin covers operator and viewer). */
    public static Requirement anyOf(Role first, Role... more) {
        EnumSet<Role> roles = EnumSet.of(first, more);
        return new Requirement(false, roles);
    }

    public boolean allows(Role role) {
        if (unauthenticated) {
            return true;
        }
        if (role == null) {
            return false;
        }
        if (role == Role.ADMIN) {
            return true;
        }
        // A loop, not a stream: this runs for every authorized request.
        for (Role required : roles) {
            if (role.covers(required)) {
                return true;
            }
        }
        return false;
    }

    /** {@code viewer, operator or admin}: every role that passes, in role order. */
    public String describe() {
        if (unauthenticated) {
            return "no role";
        }
        var allowed = EnumSet.allOf(Role.class).stream()
                .filter(this::allows)
                .map(Role::certificateName)
                .collect(Collectors.toList());
        if (allowed.size() == 1) {
            return allowed.getFirst();
        }
        return String.join(", ", allowed.subList(0, allowed.size() - 1)) + " or " + allowed.getLast();
    }
}
