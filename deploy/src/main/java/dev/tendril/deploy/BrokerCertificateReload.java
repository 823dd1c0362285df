package dev.tendril.deploy;

import dev.tendril.security.Credential;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;

/**
 * The broker serves a rotated certificate ({@code tendril credentials rotate} renews {@code pki/services/kafka.*})
 * without a restart: when the files change, their PEM goes to the broker as a dynamic update of its client listener's
 * key store ({@code listener.name.ssl.ssl.keystore.certificate.chain} and {@code .key}), which Kafka applies to new
 * connections after checking that the subject and host names did not change. Connections open at the time keep their
 * session; the controller listener, which only the broker itself uses, keeps its certificate until the next start.
 * {@link KafkaProcess} calls it at start and then every {@link KafkaProcess#RELOAD_SECONDS}.
 */
final class BrokerCertificateReload {

    static final String LISTENER_PREFIX = "listener.name.ssl.";

    private final Credential files;
    /** The broker whose configuration is updated: dynamic listener configurations are per node. */
    private final int nodeId;

    private List<FileTime> loaded;

    /**
     * Nothing counts as handed over yet: the first {@link #reloadIfChanged} sends the files. A dynamic update outlives a
     * restart in the broker's metadata log and overrides the static configuration read from the files at start, so the
     * files must be sent again at every start, or a certificate rotated while the broker was down would lose to an
     * older one.
     */
    BrokerCertificateReload(Credential files, int nodeId) {
        this.files = files;
        this.nodeId = nodeId;
        this.loaded = List.of();
    }

    /**
     * Sends the files to the broker if they changed since the last successful call (the first call always sends); true
     * when it did. A refused or failed update (a broker not answering yet, a certificate caught before its key was
     * written) is tried again at the next call.
     */
    boolean reloadIfChanged(Admin admin) throws InterruptedException {
        List<FileTime> now = stamps();
        if (now.equals(loaded)) {
            return false;
        }
        String chain;
        String key;
        try {
            chain = Files.readString(files.certificate());
            key = Files.readString(files.privateKey());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the broker's certificate " + files, e);
        }
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(nodeId));
        List<AlterConfigOp> update = List.of(
                new AlterConfigOp(
                        new ConfigEntry(LISTENER_PREFIX + "ssl.keystore.certificate.chain", chain),
                        AlterConfigOp.OpType.SET),
                new AlterConfigOp(
                        new ConfigEntry(LISTENER_PREFIX + "ssl.keystore.key", key), AlterConfigOp.OpType.SET));
        try {
            admin.incrementalAlterConfigs(Map.of(broker, update)).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the broker refused its certificate files: " + e.getMessage(), e);
        }
        loaded = now;
        return true;
    }

    private List<FileTime> stamps() {
        try {
            return List.of(
                    Files.getLastModifiedTime(files.certificate()), Files.getLastModifiedTime(files.privateKey()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the broker's certificate " + files, e);
        }
    }
}
