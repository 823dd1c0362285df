package dev.tendril.rest.security;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.tls.CertificateUpdatedEvent;
import io.quarkus.tls.TlsConfiguration;
import io.quarkus.tls.TlsConfigurationRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Serves new certificates within seconds of {@code tendril credentials rotate} changing this component's files
 * ({@code tendril.tls.cert}, {@code tendril.tls.key}, {@code tendril.tls.ca}), and only then. Quarkus' own
 * {@code reload-period} reloads the TLS configuration and updates the HTTPS server on every period whether or not a
 * file changed: every 10 s each component rebuilt its TLS context twice and logged two lines saying so. This reads
 * the three files every {@link #PERIOD_SECONDS} s and, when their bytes differ from the last reload's, reloads the
 * {@code tendril} TLS configuration and fires the {@link CertificateUpdatedEvent} the HTTPS server (REST and gRPC)
 * applies. A file caught half-written fails the reload, which is tried again at the next look.
 */
@ApplicationScoped
public class TlsFilesWatch {

    static final String CONFIGURATION = "tendril";
    static final long PERIOD_SECONDS = 10;
    private static final Logger LOG = Logger.getLogger(TlsFilesWatch.class);

    @Inject
    TlsConfigurationRegistry registry;

    @Inject
    Event<CertificateUpdatedEvent> updated;

    @ConfigProperty(name = "tendril.tls.cert")
    Optional<String> certificate;

    @ConfigProperty(name = "tendril.tls.key")
    Optional<String> key;

    @ConfigProperty(name = "tendril.tls.ca")
    Optional<String> authority;

    private ScheduledExecutorService timer;
    private List<byte[]> loaded;

    void start(@Observes StartupEvent started) {
        List<Path> files = files();
        if (files.isEmpty() || registry.get(CONFIGURATION).isEmpty()) {
            return;
        }
        loaded = read(files);
        timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "tls-files-watch");
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleWithFixedDelay(() -> look(files), PERIOD_SECONDS, PERIOD_SECONDS, TimeUnit.SECONDS);
    }

    void stop(@Observes ShutdownEvent stopping) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    /** One look: reloads and tells the server when the files changed since the last reload. */
    void look(List<Path> files) {
        try {
            List<byte[]> now = read(files);
            if (now == null || same(now, loaded)) {
                return;
            }
            TlsConfiguration configuration = registry.get(CONFIGURATION).orElseThrow();
            if (configuration.reload()) {
                loaded = now;
                updated.fire(new CertificateUpdatedEvent(CONFIGURATION, configuration));
                LOG.infof("TLS files changed (%s): serving the new certificate", files);
            }
        } catch (RuntimeException e) {
            LOG.warnf("TLS files changed but could not be loaded yet (%s); trying again in %d s", e, PERIOD_SECONDS);
        }
    }

    private List<Path> files() {
        List<Path> files = new ArrayList<>();
        for (Optional<String> file : List.of(certificate, key, authority)) {
            file.filter(f -> !f.isBlank()).map(Path::of).ifPresent(files::add);
        }
        return files;
    }

    /** The files' bytes; null when one cannot be read (being replaced, say). */
    private static List<byte[]> read(List<Path> files) {
        List<byte[]> contents = new ArrayList<>();
        for (Path file : files) {
            try {
                contents.add(Files.readAllBytes(file));
            } catch (IOException e) {
                return null;
            }
        }
        return contents;
    }

    static boolean same(List<byte[]> a, List<byte[]> b) {
        if (a == null || b == null || a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }
}
