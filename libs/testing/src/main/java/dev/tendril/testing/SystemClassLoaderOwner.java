package dev.tendril.testing;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Makes the shared servers JVM-wide even where this library is loaded more than once.
 *
 * <p>Quarkus tests load workspace modules such as this one through a class loader they replace on every
 * application restart (each test class with its own test resources restarts it), so a static field here
 * would start one broker per restart and leak the old ones. The copy of this library on the system class
 * loader is loaded once per JVM: it owns the servers, and copies in other loaders hand out proxies to it.
 * Calls can cross loaders because every method of {@link KafkaBroker} and {@link PostgresServer} takes and
 * returns JDK types only.
 */
final class SystemClassLoaderOwner {

    private SystemClassLoaderOwner() {}

    /**
     * The system class loader's copy of {@code local}, or null if {@code local} is that copy or the system
     * class loader cannot see this library (then the calling copy has to own the servers itself).
     */
    static Class<?> ownerOf(Class<?> local) {
        var system = ClassLoader.getSystemClassLoader();
        if (local.getClassLoader() == system) {
            return null;
        }
        try {
            var owner = Class.forName(local.getName(), true, system);
            return owner == local ? null : owner;
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    static Object callStatic(Class<?> owner, String method) {
        try {
            return invoke(owner.getMethod(method), null, new Object[0]);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(owner + " has no method " + method, e);
        }
    }

    /** A {@code type} as seen from this class loader, forwarding every call to the owner's {@code target}. */
    static <T> T borrow(Class<T> type, Object target) {
        Class<?> targetType;
        try {
            targetType = Class.forName(type.getName(), false, target.getClass().getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("The owner of " + target + " cannot see " + type.getName(), e);
        }
        InvocationHandler forward = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    default -> target.toString();
                };
            }
            return invoke(targetType.getMethod(method.getName(), method.getParameterTypes()), target, args);
        };
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, forward));
    }

    private static Object invoke(Method method, Object target, Object[] args) {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            // Callers expect the owner's own exception (all unchecked), not reflection's wrapper.
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("Cannot call " + method, e);
        }
    }
}
