package dev.tendril.policy.lb;

/** A Service port's targetPort: a number, or the name of a port the selected pods declare ({@code number} 0). */
public record TargetPort(int number, String name) {
    public TargetPort {
        name = name == null ? "" : name;
    }

    public static TargetPort of(int number) {
        return new TargetPort(number, "");
    }

    public static TargetPort named(String name) {
        return new TargetPort(0, name);
    }

    public boolean byName() {
        return !name.isEmpty();
    }

    @Override
    public String toString() {
        return byName() ? name : Integer.toString(number);
    }
}
