package dev.tendril.deploy;

import static org.awaitility.Awaitility.await;

import dev.tendril.cli.TendrilCommand;
import dev.tendril.cli.ui.UiCommand;
import dev.tendril.testing.browser.HeadlessChromium;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;

/**
 * The service map page of a test's stack in a real browser, opened the way a user opens it: {@code tendril ui} (in
 * this JVM, as the other CLI commands of the walkthrough) serves it on a loopback port with the admin's
 * credentials, and headless Chromium loads it from there. Reads what the page shows: its workload boxes, its edges'
 * verdicts and labels, the flow table's rows, the trace panel.
 */
final class DemoServiceMap implements AutoCloseable {

    private static final Duration GUARD = Duration.ofSeconds(60);
    private static final Pattern ADDRESS = Pattern.compile(" at (http://127\\.0\\.0\\.1:(\\d+)/ui/\\S*)");

    private final UiCommand ui;
    private final Thread serving;
    private final ChromeDriver browser;
    final String pageUrl;

    private DemoServiceMap(UiCommand ui, Thread serving, ChromeDriver browser, String pageUrl) {
        this.ui = ui;
        this.serving = serving;
        this.browser = browser;
        this.pageUrl = pageUrl;
    }

    /**
     * {@code tendril ui --port 0 --namespace NS} against the stack, and a browser; empty (with the reason printed)
     * where no browser is installed or the flows service serves no page (ui/ built without Node.js).
     */
    static Optional<DemoServiceMap> open(Path dataDir, String namespace) throws Exception {
        Optional<String> missing = HeadlessChromium.missing();
        if (missing.isPresent()) {
            System.out.println("DemoServiceMap: SKIPPING the browser checks: no " + missing.get());
            return Optional.empty();
        }
        StringWriter out = new StringWriter();
        picocli.CommandLine cli = TendrilCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        UiCommand ui = (UiCommand) cli.getSubcommands().get("ui").getCommand();
        Thread serving = Thread.ofVirtual()
                .name("tendril-ui")
                .start(() ->
                        cli.execute("ui", "--port", "0", "--namespace", namespace, "--data-dir", dataDir.toString()));
        Matcher address =
                await().atMost(GUARD).until(() -> ADDRESS.matcher(out.toString()), m -> m.find() || !serving.isAlive());
        if (!serving.isAlive() && !ADDRESS.matcher(out.toString()).find()) {
            throw new AssertionError("tendril ui ended: " + out);
        }
        String page = address.group(1);
        HttpResponse<Void> index = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + address.group(2) + "/ui/"))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
        if (index.statusCode() == 404) {
            ui.stop();
            System.out.println("DemoServiceMap: SKIPPING the browser checks: the flows service serves no /ui/"
                    + " (ui/ was built without Node.js: see the build's [tendril-ui] line)");
            return Optional.empty();
        }
        return Optional.of(new DemoServiceMap(ui, serving, HeadlessChromium.open(), page));
    }

    void load() {
        browser.get(pageUrl);
    }

    /** The workload boxes' ids ({@code namespace/app}). */
    List<String> workloads() {
        return browser.findElements(By.cssSelector("g.node.workload")).stream()
                .map(n -> n.getAttribute("data-node"))
                .toList();
    }

    /** The verdict an edge shows (allowed, dropped, mixed), or null when there is no such edge. */
    String verdict(String edgeId) {
        List<WebElement> found = browser.findElements(By.cssSelector("[data-edge='" + edgeId + "']"));
        return found.isEmpty() ? null : found.getFirst().getAttribute("data-verdict");
    }

    /** How the edge reads to a screen reader: {@code frontend to database: 2 allowed, 3 dropped (TCP/80)}. */
    String description(String edgeId) {
        return browser.findElement(By.cssSelector("[data-edge='" + edgeId + "']"))
                .getAttribute("aria-label");
    }

    /** Whether the edge's line is dashed (its verdict does not rest on colour alone). */
    boolean dashed(String edgeId) {
        return !browser.findElement(By.cssSelector("[data-edge='" + edgeId + "'] .edge"))
                .getCssValue("stroke-dasharray")
                .equals("none");
    }

    /** A mouse click on the edge (on its label, which is on the edge wherever the edge bends). */
    void click(String edgeId) {
        browser.findElement(By.cssSelector("[data-edge='" + edgeId + "'] .edge-label"))
                .click();
    }

    /** The trace panel's text, empty while it is hidden. */
    String trace() {
        WebElement panel = browser.findElement(By.id("trace"));
        return panel.isDisplayed() ? panel.getText() : "";
    }

    /** The policies the trace panel lists. */
    List<String> tracePolicies() {
        return browser.findElements(By.cssSelector("#trace .trace-policies li")).stream()
                .map(WebElement::getText)
                .toList();
    }

    /** Sets the table's verdict filter and applies the filters. */
    void filterVerdict(String verdict) {
        new Select(browser.findElement(By.name("verdict"))).selectByVisibleText(verdict);
        browser.findElement(By.cssSelector("#filters button[type=submit]")).click();
    }

    /** The {@code tendril observe} command the page prints for its table. */
    String query() {
        return browser.findElement(By.id("query")).getText();
    }

    /** The table's rows: source | destination | port | verdict | drop reason | policy (no time, no Trace button). */
    List<String> tableRows() {
        List<String> rows = new ArrayList<>();
        for (WebElement row : browser.findElements(By.cssSelector("#flow-table tbody tr"))) {
            List<String> cells = row.findElements(By.tagName("td")).stream()
                    .map(WebElement::getText)
                    .toList();
            rows.add(String.join(" | ", cells.subList(1, cells.size() - 1)));
        }
        return rows;
    }

    /** A screenshot of the page as it is, to {@code file}. */
    void screenshot(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), file, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void close() throws InterruptedException {
        try {
            browser.quit();
        } finally {
            ui.stop();
            serving.join(Duration.ofSeconds(10));
        }
    }
}
