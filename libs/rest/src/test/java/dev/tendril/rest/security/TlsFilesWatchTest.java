package dev.tendril.rest.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.tls.CertificateUpdatedEvent;
import io.quarkus.tls.TlsConfiguration;
import io.quarkus.tls.TlsConfigurationRegistry;
import jakarta.enterprise.event.Event;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsFilesWatchTest {

    @TempDir
    Path dir;

    private final AtomicInteger reloads = new AtomicInteger();
    private final AtomicBoolean reloadSucceeds = new AtomicBoolean(true);
    private final List<CertificateUpdatedEvent> fired = new ArrayList<>();
    private TlsFilesWatch watch;
    private List<Path> files;

    @BeforeEach
    void component() throws IOException {
        files = List.of(
                Files.writeString(dir.resolve("identity.pem"), "certificate 1"),
                Files.writeString(dir.resolve("identity-key.pem"), "key 1"),
                Files.writeString(dir.resolve("ca.pem"), "authority"));
        watch = new TlsFilesWatch();
        watch.registry = registry();
        watch.updated = events();
        watch.certificate = Optional.of(files.get(0).toString());
        watch.key = Optional.of(files.get(1).toString());
        watch.authority = Optional.of(files.get(2).toString());
        watch.start(null);
        watch.stop(null);
    }

    @Test
    void filesThatDidNotChangeAreNotReloaded() {
        watch.look(files);
        watch.look(files);

        assertThat(reloads).hasValue(0);
        assertThat(fired).isEmpty();
    }

    @Test
    void aRotationIsReloadedAndHandedToTheServerOnce() throws IOException {
        Files.writeString(files.get(0), "certificate 2");
        Files.writeString(files.get(1), "key 2");

        watch.look(files);
        watch.look(files);

        assertThat(reloads).hasValue(1);
        assertThat(fired).hasSize(1);
        assertThat(fired.getFirst().name()).isEqualTo("tendril");
    }

    @Test
    void aReloadThatFailsIsTriedAgainAtTheNextLook() throws IOException {
        Files.writeString(files.get(2), "new authority");
        reloadSucceeds.set(false);

        watch.look(files);
        assertThat(fired).isEmpty();

        reloadSucceeds.set(true);
        watch.look(files);

        assertThat(reloads).hasValue(2);
        assertThat(fired).hasSize(1);
    }

    @Test
    void aFileBeingReplacedIsLeftForTheNextLook() throws IOException {
        Files.delete(files.get(1));

        watch.look(files);
        assertThat(reloads).hasValue(0);

        Files.writeString(files.get(1), "key 2");
        watch.look(files);

        assertThat(reloads).hasValue(1);
        assertThat(fired).hasSize(1);
    }

    private TlsConfigurationRegistry registry() {
        TlsConfiguration configuration = (TlsConfiguration) Proxy.newProxyInstance(
                TlsConfiguration.class.getClassLoader(), new Class<?>[] {TlsConfiguration.class}, (p, m, a) -> {
                    if (m.getName().equals("reload")) {
                        reloads.incrementAndGet();
                        return reloadSucceeds.get();
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
        return (TlsConfigurationRegistry) Proxy.newProxyInstance(
                TlsConfigurationRegistry.class.getClassLoader(),
                new Class<?>[] {TlsConfigurationRegistry.class},
                (p, m, a) -> {
                    if (m.getName().equals("get") && "tendril".equals(a[0])) {
                        return Optional.of(configuration);
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
    }

    @SuppressWarnings("unchecked")
    private Event<CertificateUpdatedEvent> events() {
        return (Event<CertificateUpdatedEvent>) Proxy.newProxyInstance(
                Event.class.getClassLoader(), new Class<?>[] {Event.class}, (p, m, a) -> {
                    if (m.getName().equals("fire")) {
                        fired.add((CertificateUpdatedEvent) a[0]);
                        return null;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
    }
}
