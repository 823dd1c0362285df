package dev.tendril.flows.adapters.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.api.hubble.flow.Endpoint;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.flows.adapters.FlowProducer;
import dev.tendril.flows.adapters.HubbleFlows;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import dev.tendril.testing.browser.FlowTableRows;
import dev.tendril.testing.browser.HeadlessChromium;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.File;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;

/**
 * The service map page (ui/, served at {@code /ui/}) in a real headless Chromium (Debian's chromium and
 * chromedriver; skipped saying why where either is missing, or where the build had no Node.js to build the page),
 * against the real flows service with Kafka: a namespace's workloads become boxes and their traffic edges coloured by
 * verdict, a new drop appears without a reload, the table's filters give the rows {@code GET /v1/flows} (what
 * {@code tendril observe} asks) gives, and an edge (click or keyboard) filters the table to it.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class ServiceMapPageTest {

    private static final Duration GUARD = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static ChromeDriver browser;
    private static FlowProducer flows;

    private final String ns = "map-" + UUID.randomUUID().toString().substring(0, 8);
    private final Endpoint frontend = HubbleFlows.pod(ns, "frontend-7d9f", 4101, "frontend");
    private final Endpoint backend = HubbleFlows.pod(ns, "backend-5c2a", 4102, "backend");
    private final Endpoint database = HubbleFlows.pod(ns, "database-0", 4103, "database");

    @BeforeAll
    static void openBrowser() {
        String missing = HeadlessChromium.missing()
                .orElse(
                        ServiceMapPageTest.class.getClassLoader().getResource("META-INF/resources/ui/index.html")
                                        == null
                                ? "the page itself: ui/ was built without Node.js (see the build's [tendril-ui] line)"
                                : null);
        if (missing != null) {
            System.out.println("ServiceMapPageTest: SKIPPING the browser tests: no " + missing);
        }
        Assumptions.assumeTrue(missing == null, "needs " + missing);
        browser = HeadlessChromium.open();
        flows = new FlowProducer();
    }

    @AfterAll
    static void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
        if (flows != null) {
            flows.close();
        }
    }

    @Test
    void theDemosWorkloadsAndTheirTrafficColouredByVerdictThenANewDropLiveAndTheTableAsObserveGivesIt()
            throws Exception {
        Instant at = Instant.now().minusSeconds(5);
        List<Flow> sent = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sent.add(flow(
                    HubbleFlows.forwarded(at, "map-node", frontend, "10.0.1.10", 40000 + i, backend, "10.0.1.20", 80)));
        }
        for (int i = 0; i < 2; i++) {
            sent.add(flow(HubbleFlows.forwarded(
                    at, "map-node", backend, "10.0.1.20", 41000 + i, database, "10.0.1.30", 5432)));
            sent.add(flow(HubbleFlows.denied(
                    at, "map-node", frontend, "10.0.1.10", 42000 + i, database, "10.0.1.30", 5432, ns, "db-only")));
        }
        flows.send(sent);
        await().atMost(GUARD).until(() -> rows("namespace=" + ns + "&last=100").size() == sent.size());

        browser.get(base() + "/ui/?namespace=" + ns);

        await().atMost(GUARD).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            assertThat(browser.findElements(By.cssSelector("[data-node]")).stream()
                            .map(n -> n.getAttribute("data-node")))
                    .containsExactlyInAnyOrder(ns + "/frontend", ns + "/backend", ns + "/database");
            assertThat(verdict(ns + "/frontend->" + ns + "/backend")).isEqualTo("allowed");
            assertThat(verdict(ns + "/backend->" + ns + "/database")).isEqualTo("allowed");
            assertThat(verdict(ns + "/frontend->" + ns + "/database")).isEqualTo("dropped");
        });
        // The dropped edge is dashed as well as red: its verdict survives colour blindness.
        WebElement red = edge(ns + "/frontend->" + ns + "/database").findElement(By.cssSelector(".edge"));
        assertThat(red.getCssValue("stroke-dasharray")).isNotEqualTo("none");
        assertThat(edge(ns + "/frontend->" + ns + "/backend")
                        .findElement(By.cssSelector(".edge"))
                        .getCssValue("stroke-dasharray"))
                .isEqualTo("none");
        Path shot = Path.of("target", "ui", "service-map.png");
        Files.createDirectories(shot.getParent());
        File taken = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(taken.toPath(), shot, StandardCopyOption.REPLACE_EXISTING);

        // A new drop, from backend to frontend: it appears on the page that is open, which is not loaded again.
        ((JavascriptExecutor) browser).executeScript("window.tendrilLoadedOnce = true;");
        long before = System.nanoTime();
        flows.send(List.of(flow(HubbleFlows.denied(
                Instant.now(), "map-node", backend, "10.0.1.20", 43000, frontend, "10.0.1.10", 8080, ns, "fe-in"))));
        await().atMost(GUARD)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> !browser.findElements(
                                By.cssSelector("[data-edge='" + ns + "/backend->" + ns + "/frontend']"))
                        .isEmpty());
        System.out.printf(
                "ServiceMapPageTest: the new drop was on the map %d ms after it was produced%n",
                Duration.ofNanos(System.nanoTime() - before).toMillis());
        assertThat(verdict(ns + "/backend->" + ns + "/frontend")).isEqualTo("dropped");
        assertThat(((JavascriptExecutor) browser).executeScript("return window.tendrilLoadedOnce === true;"))
                .isEqualTo(true);

        // The table's filters: the same rows as GET /v1/flows with the same parameters.
        new Select(browser.findElement(By.name("verdict"))).selectByVisibleText("DROPPED");
        WebElement port = browser.findElement(By.name("port"));
        port.clear();
        port.sendKeys("5432");
        browser.findElement(By.cssSelector("#filters button[type=submit]")).click();
        List<String> expected = rowTexts(rows("namespace=" + ns + "&verdict=DROPPED&port=5432&last=100"));
        assertThat(expected).hasSize(2);
        await().atMost(GUARD).untilAsserted(() -> assertThat(tableTexts()).isEqualTo(expected));
        assertThat(browser.findElement(By.id("query")).getText())
                .isEqualTo("tendril observe --namespace " + ns + " --verdict DROPPED --port 5432 --last 100");

        // A time range (--since/--until): the drops of the first flows, not the later backend -> frontend one.
        port.clear();
        String since = at.truncatedTo(ChronoUnit.SECONDS).minusSeconds(1).toString();
        String until = at.truncatedTo(ChronoUnit.SECONDS).plusSeconds(2).toString();
        WebElement sinceField = browser.findElement(By.name("since"));
        WebElement untilField = browser.findElement(By.name("until"));
        sinceField.sendKeys(since);
        untilField.sendKeys(until);
        browser.findElement(By.cssSelector("#filters button[type=submit]")).click();
        List<String> inRange = rowTexts(rows("namespace=" + ns + "&verdict=DROPPED&since="
                + URLEncoder.encode(since, StandardCharsets.UTF_8) + "&until="
                + URLEncoder.encode(until, StandardCharsets.UTF_8) + "&last=100"));
        assertThat(inRange).hasSize(2).allMatch(r -> r.contains("5432"));
        await().atMost(GUARD).untilAsserted(() -> assertThat(tableTexts()).isEqualTo(inRange));
        assertThat(browser.findElement(By.id("query")).getText())
                .isEqualTo("tendril observe --namespace " + ns + " --verdict DROPPED --since " + since + " --until "
                        + until + " --last 100");
        sinceField.clear();
        untilField.clear();

        // The edge, from the keyboard: the table shows its flows only (both ends by their workload label).
        new Select(browser.findElement(By.name("verdict"))).selectByVisibleText("any");
        edge(ns + "/backend->" + ns + "/database").sendKeys(Keys.ENTER);
        List<String> edgeRows = rowTexts(rows("from-namespace=" + ns + "&from-label=app%3Dbackend&to-namespace=" + ns
                + "&to-label=app%3Ddatabase&last=100"));
        assertThat(edgeRows).hasSize(2).allMatch(r -> r.contains("backend-5c2a") && r.contains("FORWARDED"));
        await().atMost(GUARD).untilAsserted(() -> assertThat(tableTexts()).isEqualTo(edgeRows));
    }

    @Test
    void severalNamespacesAtOnceWithTheTrafficBetweenThem() throws Exception {
        String shop = "shop-" + UUID.randomUUID().toString().substring(0, 8);
        Endpoint cart = HubbleFlows.pod(shop, "cart-1", 4201, "cart");
        Instant at = Instant.now().minusSeconds(5);
        flows.send(List.of(
                flow(HubbleFlows.forwarded(at, "map-node", frontend, "10.0.1.10", 44000, backend, "10.0.1.20", 80)),
                flow(HubbleFlows.forwarded(at, "map-node", cart, "10.0.2.10", 44001, backend, "10.0.1.20", 80))));
        await().atMost(GUARD)
                .until(() -> rows("namespace=" + shop + "&last=100").size() == 1);

        browser.get(base() + "/ui/?namespace=" + ns + "," + shop);

        await().atMost(GUARD).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            assertThat(browser.findElements(By.cssSelector("[data-node]")).stream()
                            .map(n -> n.getAttribute("data-node")))
                    .containsExactlyInAnyOrder(ns + "/frontend", ns + "/backend", shop + "/cart");
            assertThat(verdict(shop + "/cart->" + ns + "/backend")).isEqualTo("allowed");
            assertThat(browser.findElement(By.id("query")).getText())
                    .isEqualTo("tendril observe --namespace " + ns + " --namespace " + shop + " --last 100");
            assertThat(browser.findElements(By.cssSelector("#flow-table tbody tr")))
                    .hasSize(2);
        });
    }

    private static Flow flow(Flow.Builder builder) {
        return builder.build();
    }

    private static String verdict(String edgeId) {
        return edge(edgeId).getAttribute("data-verdict");
    }

    private static WebElement edge(String edgeId) {
        return browser.findElement(By.cssSelector("[data-edge='" + edgeId + "']"));
    }

    /**
     * The page's table, a line per row: source, destination, port, verdict, drop reason, policy (no time, and not
     * the last column's Trace button).
     */
    private static List<String> tableTexts() {
        List<String> texts = new ArrayList<>();
        for (WebElement row : browser.findElements(By.cssSelector("#flow-table tbody tr"))) {
            List<WebElement> cells = row.findElements(By.tagName("td"));
            texts.add(String.join(
                    " | ",
                    cells.subList(1, cells.size() - 1).stream()
                            .map(WebElement::getText)
                            .toList()));
        }
        return texts;
    }

    /** The same line for each row of the service's answer, as the page should print it. */
    private static List<String> rowTexts(List<JsonNode> rows) {
        return rows.stream().map(row -> FlowTableRows.row(row.path("flow"))).toList();
    }

    private static List<JsonNode> rows(String query) throws Exception {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create(base() + "/v1/flows?" + query))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<JsonNode> rows = new ArrayList<>();
        JSON.readTree(response.body()).forEach(rows::add);
        return rows;
    }

    private static String base() {
        return ConfigProvider.getConfig().getValue("test.url", String.class);
    }
}
