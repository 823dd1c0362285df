package dev.tendril.security;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key manager that presents what a credential's bundle ({@link Credential#bundle()}: key, then certificate) holds
 * now: it looks at the file at every handshake and reads it again when it was replaced ({@code tendril credentials
 * rotate} writes it whole, by rename). A bundle it cannot read (gone, or not a key and certificate) leaves the last
 * one in use. Aliases carry the generation they were chosen from, so a handshake that chose the old certificate
 * gets the old key with it even when the file changes in between.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {

    private record Loaded(long generation, Object version, X509ExtendedKeyManager keys) {}

    private final Path bundle;
    private volatile Loaded current;
    private volatile Loaded previous;

    ReloadingKeyManager(Path bundle) {
        this.bundle = bundle;
        this.current = load(0, version()).orElseThrow(() -> new IllegalStateException("cannot read " + bundle));
    }

    /** The key manager of the bundle as it is now (read again when the file changed). */
    private Loaded now() {
        Object version = version();
        Loaded loaded = current;
        if (Objects.equals(loaded.version(), version)) {
            return loaded;
        }
        synchronized (this) {
            loaded = current;
            if (!Objects.equals(loaded.version(), version)) {
                Optional<Loaded> next = load(loaded.generation() + 1, version);
                if (next.isPresent()) {
                    previous = loaded;
                    current = next.get();
                }
            }
            return current;
        }
    }

    private Object version() {
        return FileVersion.of(bundle);
    }

    private Optional<Loaded> load(long generation, Object version) {
        try {
            // One read: key and certificate from the same version of the file.
            String text = Files.readString(bundle, StandardCharsets.US_ASCII);
            PrivateKey key = Pem.parsePrivateKey(text, bundle.toString());
            List<X509Certificate> chain = Pem.parseCertificates(text, bundle.toString());
            X509ExtendedKeyManager keys = (X509ExtendedKeyManager) TlsContexts.keyManagers(key, chain)[0];
            return Optional.of(new Loaded(generation, version, keys));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String tag(Loaded loaded, String alias) {
        return alias == null ? null : loaded.generation() + ":" + alias;
    }

    private static String[] tag(Loaded loaded, String[] aliases) {
        if (aliases == null) {
            return null;
        }
        return Arrays.stream(aliases).map(a -> tag(loaded, a)).toArray(String[]::new);
    }

    /** The generation's key manager and its own alias, or null when neither the current nor the previous has it. */
    private X509ExtendedKeyManager owner(String tagged) {
        if (tagged == null || tagged.indexOf(':') < 0) {
            return null;
        }
        long generation;
        try {
            generation = Long.parseLong(tagged.substring(0, tagged.indexOf(':')));
        } catch (NumberFormatException e) {
            return null;
        }
        for (Loaded loaded : new Loaded[] {current, previous}) {
            if (loaded != null && loaded.generation() == generation) {
                return loaded.keys();
            }
        }
        return null;
    }

    private static String untag(String tagged) {
        return tagged.substring(tagged.indexOf(':') + 1);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        Loaded loaded = now();
        return tag(loaded, loaded.keys().chooseServerAlias(keyType, issuers, socket));
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        Loaded loaded = now();
        return tag(loaded, loaded.keys().chooseEngineServerAlias(keyType, issuers, engine));
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        Loaded loaded = now();
        return tag(loaded, loaded.keys().chooseClientAlias(keyType, issuers, socket));
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        Loaded loaded = now();
        return tag(loaded, loaded.keys().chooseEngineClientAlias(keyType, issuers, engine));
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        Loaded loaded = now();
        return tag(loaded, loaded.keys().getServerAliases(keyType, issuers));
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        Loaded loaded = now();
        return tag(loaded, loaded.keys().getClientAliases(keyType, issuers));
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        X509ExtendedKeyManager keys = owner(alias);
        return keys == null ? null : keys.getCertificateChain(untag(alias));
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        X509ExtendedKeyManager keys = owner(alias);
        return keys == null ? null : keys.getPrivateKey(untag(alias));
    }
}
