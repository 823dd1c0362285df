package dev.tendril.cli.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.cli.FakeService;
import dev.tendril.cli.PagedService;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tendril get policies} follows the policy service's pages, with its namespace scope on every page. */
class GetPoliciesChunksTest {

    @TempDir
    Path dataDir;

    private static String policy(int i) {
        return """
                {"kind":"NetworkPolicy","namespace":"demo","name":"np-%d","revision":%d,"subjects":[%s]}""".formatted(i, 10 + i, i == 0 ? "" : "7");
    }

    @Test
    void followsThePagesOfANamespaceAndPrintsTheHeaderOnce() throws IOException {
        try (PagedService service = new PagedService("/v1/policies", 3, GetPoliciesChunksTest::policy)) {
            service.stack(dataDir, "policy");
            FakeService.Result result = run("get", "policies", "-n", "demo", "--chunk-size", "2");

            assertThat(result.exitCode()).isZero();
            assertThat(result.out().lines().toList())
                    .containsExactly(
                            "NAMESPACE   KIND            NAME   REVISION   SUBJECTS",
                            "demo        NetworkPolicy   np-0   10         0",
                            "demo        NetworkPolicy   np-1   11         1",
                            "demo        NetworkPolicy   np-2   12         1");
            assertThat(service.requests())
                    .containsExactly(
                            "/v1/policies?namespace=demo&limit=2", "/v1/policies?namespace=demo&limit=2&continue=2");
        }
    }

    @Test
    void listsAllNamespacesUpToTheLimit() throws IOException {
        try (PagedService service = new PagedService("/v1/policies", 3, GetPoliciesChunksTest::policy)) {
            service.stack(dataDir, "policy");
            FakeService.Result result = run("get", "policies", "-A", "--limit", "1");

            assertThat(result.out().lines()).hasSize(1 + 1);
            assertThat(service.requests()).containsExactly("/v1/policies?limit=1");
        }
    }

    private FakeService.Result run(String... args) {
        return FakeService.run(
                null,
                Stream.concat(Stream.of(args), Stream.of("--data-dir", dataDir.toString()))
                        .toArray(String[]::new));
    }
}
