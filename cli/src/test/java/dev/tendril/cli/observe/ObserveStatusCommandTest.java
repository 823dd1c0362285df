package dev.tendril.cli.observe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.cli.FakeService;
import dev.tendril.cli.FakeService.Response;
import dev.tendril.cli.FakeService.Result;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ObserveStatusCommandTest {

    private static final String UP = "{\"status\":\"UP\",\"checks\":[]}";

    @TempDir
    Path dataDir;

    private FakeService service;

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
    }

    private void serve(String status) throws IOException {
        service = new FakeService(request -> switch (request.uri()) {
            case "/q/health/ready" -> Response.ok(UP);
            case "/v1/status" -> Response.ok(status);
            default -> Response.problem(404, "no route");
        });
        service.stack(dataDir, "flows");
    }

    @Test
    void printsLikeHubbleStatus() throws IOException {
        serve("""
                {"numFlows":1234,"maxFlows":1048560,"seenFlows":642,"uptimeNs":200000000000,"numConnectedNodes":2,\
                "numUnavailableNodes":0,"unavailableNodes":[],"version":"tendril"}""");
        Result result = FakeService.run(null, "observe", "status", "--data-dir", dataDir.toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out())
                .isEqualTo(String.join(
                        System.lineSeparator(),
                        "Healthcheck (via http://127.0.0.1:" + service.port() + "): Ok",
                        "Current/Max Flows: 1,234/1,048,560 (0.12%)",
                        "Flows/s: 3.21",
                        "Connected Nodes: 2/2",
                        ""));
    }

    @Test
    void flowsPerSecondIsTheServiceRateOverTheLastMinuteWhenItHasOne() throws IOException {
        serve("""
                {"numFlows":1234,"maxFlows":1048560,"seenFlows":642,"uptimeNs":200000000000,"numConnectedNodes":2,\
                "numUnavailableNodes":0,"unavailableNodes":[],"version":"0.1.0","flowsRate":12.5}""");
        Result result = FakeService.run(null, "observe", "status", "--data-dir", dataDir.toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("Flows/s: 12.50");
    }

    @Test
    void showsTheFlowsTheAgentsLostWhenTheirQueuesOverflowed() throws IOException {
        serve("""
                {"numFlows":10,"maxFlows":65535,"seenFlows":10,"uptimeNs":1000000000,"numConnectedNodes":1,\
                "numUnavailableNodes":0,"unavailableNodes":[],"version":"0.1.0","flowsRate":1.0,"lostEvents":12345}""");
        Result result = FakeService.run(null, "observe", "status", "--data-dir", dataDir.toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out())
                .contains("Connected Nodes: 1/1" + System.lineSeparator() + "Lost Events (agent flow queues): 12,345");
    }

    @Test
    void listsUnavailableNodes() throws IOException {
        serve("""
                {"numFlows":0,"maxFlows":0,"seenFlows":0,"uptimeNs":0,"numConnectedNodes":1,\
                "numUnavailableNodes":1,"unavailableNodes":["node-3"],"version":"tendril"}""");
        Result result = FakeService.run(null, "observe", "status", "--data-dir", dataDir.toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out())
                .contains(
                        "Current/Max Flows: 0/0 (0.00%)",
                        "Flows/s: 0.00",
                        "Connected Nodes: 1/2",
                        "Unavailable Nodes: 1" + System.lineSeparator() + "  - node-3");
    }

    @Test
    void anUnhealthyServiceIsReportedWithExitCode1() throws IOException {
        service = new FakeService(request -> new Response(503, "{\"status\":\"DOWN\",\"checks\":[]}"));
        service.stack(dataDir, "flows");
        Result result = FakeService.run(null, "observe", "status", "--data-dir", dataDir.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.out()).startsWith("Healthcheck (via http://127.0.0.1:" + service.port() + "): DOWN");
        assertThat(service.requests()).extracting(FakeService.Request::uri).containsExactly("/q/health/ready");
    }
}
