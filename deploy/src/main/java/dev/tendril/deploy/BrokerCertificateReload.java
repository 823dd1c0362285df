package dev.tendril.deploy;

import dev.tendril.security.Credential;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;

/**
 * The broker follows a rotated certificate ({@code tendril credentials rotate} renews {@code pki/services/kafka.*})
 * and a rotated authority ({@code credentials rotate --authority} changes the trust bundle {@code pki/ca.crt}) without
 * a restart: when the files change, their PEM goes to the broker as a dynamic update of its client listener's trust
 * store ({@code listener.name.ssl.ssl.truststore.certificates}, every certificate of the bundle) or key store
 * ({@code listener.name.ssl.ssl.keystore.certificate.chain} and {@code .key}), which Kafka applies to new connections.
 *
 * <p>Kafka accepts an update only if an engine built from the configuration it runs and one built from the new one
 * complete a handshake with each other both ways (client certificates required), and for a key store only if the
 * subject and host names did not change. Hence two updates, trust store first, when both changed since the last
 * hand-over: at an authority's switch the new key store is issued by an authority that only the new bundle trusts, so
 * one update with both, or the key store first, is refused while the broker trusts only the old authority. Kafka checks
 * against the configuration it has applied, and it applies an update when it reads it back from its metadata log,
 * moments after accepting it: a key store refused right after the bundle is offered again for a few seconds.
 *
 * <p>Connections open at the time keep their session; the controller listener, which only the broker itself uses,
 * keeps its certificate and authorities until the next start. {@link KafkaProcess} calls it at start and then every
 * {@link KafkaProcess#RELOAD_SECONDS}.
 */
final class BrokerCertificateReload {

    static final String LISTENER_PREFIX = "listener.name.ssl.";

    /** How long a key store update refused right after a trust store update is offered again. */
    static final Duration APPLY_PATIENCE = Duration.ofSeconds(10);

    private static final long RETRY_MILLIS = 250;

    /** The stack's trust bundle: the signing authority first, then the others still trusted. */
    private final Path authorities;

    private final Credential files;
    /** The broker whose configuration is updated: dynamic listener configurations are per node. */
    private final int nodeId;

    /** The bundle's time stamp when the broker last accepted it; null before. */
    private FileTime loadedAuthorities;

    private List<FileTime> loadedFiles;

    /**
     * Nothing counts as handed over yet: the first {@link #reloadIfChanged} sends the files. A dynamic update outlives
     * a restart in the broker's metadata log and overrides the static configuration read from the files at start, so
     * the files must be sent again at every start, or a certificate or bundle rotated while the broker was down would
     * lose to an older one.
     */
    BrokerCertificateReload(Path authorities, Credential files, int nodeId) {
        this.authorities = authorities;
        this.files = files;
        this.nodeId = nodeId;
        this.loadedAuthorities = null;
        this.loadedFiles = List.of();
    }

    /**
     * Sends the trust bundle and the certificate files to the broker if they changed since the last accepted update of
     * each (the first call always sends both); true when it sent anything. A refused or failed update (a broker not
     * answering yet, a certificate caught before its key was written) is tried again at the next call; a key store
     * goes to the broker even when the bundle was refused, since a bundle that no longer trusts the broker's running
     * certificate is accepted only after the renewed one.
     */
    boolean reloadIfChanged(Admin admin) throws InterruptedException {
        FileTime authoritiesNow = stamp(authorities);
        List<FileTime> filesNow = List.of(stamp(files.certificate()), stamp(files.privateKey()));
        boolean trustChanged = !authoritiesNow.equals(loadedAuthorities);
        boolean keysChanged = !filesNow.equals(loadedFiles);
        if (!trustChanged && !keysChanged) {
            return false;
        }
        List<String> refused = new ArrayList<>();
        Duration patience = Duration.ZERO;
        if (trustChanged) {
            Optional<String> refusal = send(admin, List.of(set("ssl.truststore.certificates", read(authorities))));
            if (refusal.isEmpty()) {
                loadedAuthorities = authoritiesNow;
                patience = APPLY_PATIENCE;
            } else {
                refused.add("its authorities " + authorities + ": " + refusal.get());
            }
        }
        if (keysChanged) {
            List<AlterConfigOp> keyStore = List.of(
                    set("ssl.keystore.certificate.chain", read(files.certificate())),
                    set("ssl.keystore.key", read(files.privateKey())));
            Optional<String> refusal = send(admin, keyStore);
            long deadline = System.nanoTime() + patience.toNanos();
            while (refusal.isPresent() && System.nanoTime() - deadline < 0) {
                TimeUnit.MILLISECONDS.sleep(RETRY_MILLIS);
                refusal = send(admin, keyStore);
            }
            if (refusal.isEmpty()) {
                loadedFiles = filesNow;
            } else {
                refused.add("its certificate files " + files + ": " + refusal.get());
            }
        }
        if (!refused.isEmpty()) {
            throw new IllegalStateException("the broker refused " + String.join("; ", refused));
        }
        return true;
    }

    /**
     * Empty when the broker accepted {@code update}, else why it refused it.
     *
     * @throws IllegalStateException if the broker did not answer: the next update would wait as long
     */
    private Optional<String> send(Admin admin, List<AlterConfigOp> update) throws InterruptedException {
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(nodeId));
        try {
            admin.incrementalAlterConfigs(Map.of(broker, update)).all().get(30, TimeUnit.SECONDS);
            return Optional.empty();
        } catch (ExecutionException e) {
            return Optional.of(String.valueOf(e.getCause().getMessage()));
        } catch (TimeoutException e) {
            throw new IllegalStateException("the broker did not take its certificate files within 30 s", e);
        }
    }

    private static AlterConfigOp set(String name, String value) {
        return new AlterConfigOp(new ConfigEntry(LISTENER_PREFIX + name, value), AlterConfigOp.OpType.SET);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the broker's " + file, e);
        }
    }

    private static FileTime stamp(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the broker's " + file, e);
        }
    }
}
