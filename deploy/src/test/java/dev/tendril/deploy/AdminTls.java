package dev.tendril.deploy;

import dev.tendril.cli.config.ConfigDiscovery;
import dev.tendril.cli.config.ConfigFile;
import dev.tendril.security.ClientTls;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The end-to-end tests' direct calls to a started stack: as its admin, with the CLI config {@code ./tendril up} wrote
 * into the data directory (the stack's authority, the admin's certificate).
 */
final class AdminTls {

    private AdminTls() {}

    static ClientTls of(Path dataDir) {
        return ConfigFile.read(dataDir.resolve(ConfigDiscovery.STACK_CONFIG)).tls();
    }

    static HttpClient http(Path dataDir) {
        return of(dataDir)
                .configure(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)))
                .build();
    }
}
