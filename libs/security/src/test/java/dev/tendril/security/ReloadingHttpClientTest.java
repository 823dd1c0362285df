package dev.tendril.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReloadingHttpClientTest {

    @TempDir
    Path dataDir;

    @Test
    void theSameClientUntilAFileChangesThenOneWithTheNewMaterial() throws Exception {
        StackCredentials pki = StackCredentials.in(dataDir.resolve("pki"));
        Instant now = Instant.now();
        Credential admin = pki.ensureUser("admin", Subject.ROLE_ADMIN, now);
        ReloadingHttpClient http = new ReloadingHttpClient(
                ClientTls.files(pki.authority().certificate(), admin),
                builder -> builder.connectTimeout(Duration.ofSeconds(3)));

        HttpClient first = http.current();
        assertThat(http.current()).isSameAs(first);
        assertThat(first.connectTimeout()).contains(Duration.ofSeconds(3));

        AuthorityRotation.of(pki).introduce(now);
        // The file systems here keep time stamps to the millisecond or better; make the change visible regardless.
        Files.setLastModifiedTime(
                pki.authority().certificate(), FileTime.from(Instant.now().plusSeconds(1)));

        HttpClient second = http.current();
        assertThat(second).isNotSameAs(first);
        assertThat(second.sslContext()).isNotSameAs(first.sslContext());
        assertThat(second.connectTimeout()).contains(Duration.ofSeconds(3));
        assertThat(http.current()).isSameAs(second);
    }

    @Test
    void plaintextIsOneClientWithoutTls() {
        ReloadingHttpClient http = new ReloadingHttpClient(ClientTls.PLAINTEXT, builder -> builder);
        assertThat(http.current()).isSameAs(http.current());
        assertThat(List.of(http.tls().scheme())).containsExactly("http");
    }
}
