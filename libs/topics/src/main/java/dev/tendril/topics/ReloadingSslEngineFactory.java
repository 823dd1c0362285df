package dev.tendril.topics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.security.auth.SslEngineFactory;
import org.apache.kafka.common.security.ssl.DefaultSslEngineFactory;
import org.jboss.logging.Logger;

/**
 * Kafka's own TLS engine factory, built again from its key and trust store files when they change: a client of a
 * running service or agent presents a rotated certificate ({@code tendril credentials rotate}) on its next new
 * connection, without a restart. Kafka reads its store files once when a client is made, and rebuilds only on a broker's
 * dynamic reconfiguration; this factory looks at the files' modification time and size before each new connection (a
 * stat per connection). A rebuild that fails (a file caught half written, though rotation writes whole files by rename)
 * keeps the factory in use and is tried again at the next connection. Configured as {@code ssl.engine.factory.class}
 * with every other {@code ssl.*} setting as Kafka's default factory takes them.
 */
public final class ReloadingSslEngineFactory implements SslEngineFactory {

    private static final Logger LOG = Logger.getLogger(ReloadingSslEngineFactory.class);

    private Map<String, ?> configs;
    private List<Path> files;
    private DefaultSslEngineFactory current;
    private List<Object> built;

    @Override
    public synchronized void configure(Map<String, ?> configs) {
        this.configs = new java.util.HashMap<>(configs); // Kafka passes null for unset keys: no Map.copyOf
        this.files = new ArrayList<>();
        for (String key : List.of(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG)) {
            Object location = configs.get(key);
            if (location != null && !location.toString().isBlank()) {
                files.add(Path.of(location.toString()));
            }
        }
        this.built = stamps();
        this.current = build();
    }

    /** The factory for the next connection: built again first when a store file changed since the last build. */
    private synchronized SslEngineFactory current() {
        List<Object> now = stamps();
        if (!now.equals(built)) {
            try {
                DefaultSslEngineFactory next = build();
                DefaultSslEngineFactory previous = current;
                current = next;
                built = now;
                previous.close();
                LOG.infof("Kafka TLS files changed (%s): new connections use them", files);
            } catch (RuntimeException e) {
                LOG.warnf("Kafka TLS files changed (%s) but do not load (%s): keeping the ones loaded", files, e);
            }
        }
        return current;
    }

    private DefaultSslEngineFactory build() {
        DefaultSslEngineFactory factory = new DefaultSslEngineFactory();
        factory.configure(configs);
        return factory;
    }

    /** Each file's modification time and size; a missing file counts as its own state. */
    private List<Object> stamps() {
        List<Object> stamps = new ArrayList<>();
        for (Path file : files) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                stamps.add(attributes.lastModifiedTime());
                stamps.add(attributes.size());
                stamps.add(attributes.fileKey());
            } catch (IOException e) {
                stamps.add("missing " + file);
            }
        }
        return stamps;
    }

    // Engines are made under the lock: a rebuild on another thread closes the factory it replaces.
    @Override
    public synchronized SSLEngine createClientSslEngine(String peerHost, int peerPort, String endpointIdentification) {
        return current().createClientSslEngine(peerHost, peerPort, endpointIdentification);
    }

    @Override
    public synchronized SSLEngine createServerSslEngine(String peerHost, int peerPort) {
        return current().createServerSslEngine(peerHost, peerPort);
    }

    @Override
    public synchronized boolean shouldBeRebuilt(Map<String, Object> nextConfigs) {
        return current.shouldBeRebuilt(nextConfigs);
    }

    @Override
    public synchronized Set<String> reconfigurableConfigs() {
        return current.reconfigurableConfigs();
    }

    @Override
    public synchronized KeyStore keystore() {
        return current().keystore();
    }

    @Override
    public synchronized KeyStore truststore() {
        return current().truststore();
    }

    @Override
    public synchronized void close() {
        if (current != null) {
            current.close();
        }
    }
}
