package io.strangler.dashboards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.strangler.dispatch.ApiSpec;
import io.strangler.dispatch.Exchange;
import io.strangler.dispatch.Outcome;
import io.strangler.flags.Mode;
import io.strangler.servers.RealServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The built-in page in a real headless Chromium, reading the admin JSON of the real diff reporter
 * (pipeline, readiness, mismatch samples in PostgreSQL) and flags, fed with injected calls.
 */
@ExtendWith(RealServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardPageBrowserTest {
  private static final String TOKEN = "admin-token-for-tests";
  private static final int WIDTH = 1440;

  private ReporterFixture reporter;
  private AdminTestServer server;
  private ChromeDriver browser;

  @BeforeAll
  void start(RealServers.PostgresDb db, @TempDir Path dir) throws Exception {
    reporter = new ReporterFixture(db, dir).feedEverything();
    server = new AdminTestServer(reporter, TOKEN);
    browser = Browser.start(dir.resolve("chromium-profile"), WIDTH, 1000);
  }

  @AfterAll
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (server != null) {
      server.close();
    }
    if (reporter != null) {
      reporter.close();
    }
  }

  @Test
  @Order(1)
  void page_showsEveryApiWithItsModeConsistencyLatencyAndReadiness() {
    open(TOKEN);

    List<WebElement> rows = browser.findElements(By.cssSelector("#apis tbody tr"));
    assertThat(rows).hasSize(12);
    assertThat(row("ResolveCluster"))
        .contains("NEW_PRIMARY")
        .contains("100%")
        .contains("620")
        .contains("READY")
        .doesNotContain("NOT READY");
    assertThat(row("GetHostingMetadata"))
        .contains("NEW_PRIMARY")
        .contains("50% of keys; the rest SHADOW");
    // 300 matches, one RACE (consistent) and the stale address: 301 of 302 = 99.668%, rounded down.
    assertThat(row("ListMachines"))
        .contains("SHADOW")
        .contains("99.668%")
        .contains("1 inconsistent")
        .contains("302")
        .contains("NOT READY")
        .contains("500 compared calls needed");
    assertThat(row("ListContainers")).contains("NEW_PRIMARY").contains("NOT READY");
    assertThat(row("Heartbeat")).contains("SHADOW");
    assertThat(row("StopContainer")).contains("LEGACY_ONLY").contains("none so far");
    assertThat(text("c-ready")).isEqualTo("2 / 12");
    assertThat(text("c-flags")).isEqualTo("file");
    assertThat(text("status")).startsWith("Last updated");
    // Nothing was blocked by the page's Content-Security-Policy or failed to load.
    List<LogEntry> problems =
        browser.manage().logs().get(LogType.BROWSER).getAll().stream()
            .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue())
            .toList();
    assertThat(problems).isEmpty();
  }

  @Test
  @Order(2)
  void page_showsTheInjectedMismatchWithItsFieldsAndColoredUnifiedDiff() throws Exception {
    open(TOKEN);
    WebElement newest = waitFor(By.cssSelector("#mismatches details.mm"));

    assertThat(newest.getAttribute("open")).isNotNull();
    assertThat(newest.findElement(By.tagName("summary")).getText())
        .contains("MISMATCH")
        .contains("ListMachines");
    assertThat(newest.findElement(By.cssSelector("table.fields tbody")).getText())
        .contains("/machines/m-7/address")
        .contains("\"" + ReporterFixture.STALE_ADDRESS_LEGACY + "\"")
        .contains("\"" + ReporterFixture.STALE_ADDRESS_NEW + "\"");
    List<String> removed = texts(newest, "pre.diff span.del");
    List<String> added = texts(newest, "pre.diff span.add");
    assertThat(removed)
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith("-")
                    .contains(ReporterFixture.STALE_ADDRESS_LEGACY + "\""));
    assertThat(added)
        .anySatisfy(
            l -> assertThat(l).startsWith("+").contains(ReporterFixture.STALE_ADDRESS_NEW + "\""));
    assertThat(texts(newest, "pre.diff span.hunk")).anySatisfy(l -> assertThat(l).startsWith("@@"));

    saveScreenshot();
  }

  @Test
  @Order(3)
  void page_showsHtmlFromAnswersAsText() {
    open(TOKEN);
    waitFor(By.cssSelector("#mismatches details.mm"));
    WebElement card =
        browser.findElements(By.cssSelector("#mismatches details.mm")).stream()
            .filter(
                c -> {
                  String summary = c.findElement(By.tagName("summary")).getText();
                  return summary.contains("ListContainers") && summary.contains("MISMATCH");
                })
            .findFirst()
            .orElseThrow();
    card.findElement(By.tagName("summary")).click();

    assertThat(card.findElement(By.cssSelector("pre.diff")).getText())
        .contains("<img src=x onerror=");
    assertThat(card.findElement(By.cssSelector("table.fields")).getText())
        .contains("<img src=x onerror=");
    assertThat(browser.findElements(By.cssSelector("#mismatches img"))).isEmpty();
    assertThat(browser.getTitle()).isEqualTo("strangler · migration");
  }

  @Test
  @Order(4)
  void page_withoutAToken_saysHowToGiveOne_andCallsNothing() {
    browser.get("about:blank");
    browser.get(server.dashboardUrl(null));
    WebElement banner = waitFor(By.cssSelector("#auth.show"));
    int before = server.adminRequests();

    assertThat(banner.getText())
        .contains("No admin token")
        .contains("/dashboard#token=<admin token>");
    assertThat(text("status")).isEqualTo("No admin token");
    await()
        .during(Duration.ofMillis(2500))
        .atMost(Duration.ofSeconds(4))
        .until(() -> server.adminRequests() == before);
  }

  @Test
  @Order(5)
  void page_withARejectedToken_saysSo_andStopsPolling() {
    int before = server.rejected();
    browser.get("about:blank");
    browser.get(server.dashboardUrl("not-the-token"));
    WebElement banner = waitFor(By.cssSelector("#auth.show"));

    assertThat(banner.getText()).contains("The admin token was rejected (HTTP 401)");
    assertThat(server.rejected()).isGreaterThan(before);
    int afterFirstPoll = server.rejected();
    await()
        .during(Duration.ofMillis(2500))
        .atMost(Duration.ofSeconds(4))
        .until(() -> server.rejected() == afterFirstPoll);
  }

  @Test
  @Order(6)
  void page_tokenTypedIntoTheBanner_startsPolling() {
    browser.get("about:blank");
    browser.get(server.dashboardUrl(null));
    waitFor(By.cssSelector("#auth.show"));

    browser.findElement(By.id("token-input")).sendKeys(TOKEN + "\n");

    waitFor(By.cssSelector("#apis tbody tr[data-api='ListMachines']"));
    assertThat(browser.findElement(By.id("auth")).isDisplayed()).isFalse();
  }

  @Test
  @Order(7)
  void page_clickOnAnApi_showsOnlyItsMismatches() {
    open(TOKEN);
    waitFor(By.cssSelector("#mismatches details.mm"));

    browser.findElement(By.cssSelector("#apis tbody tr[data-api='CreateRepl']")).click();

    new WebDriverWait(browser, Duration.ofSeconds(15))
        .until(d -> d.findElement(By.id("mm-hint")).getText().endsWith("for CreateRepl"));
    List<String> summaries =
        texts(browser.findElement(By.id("mismatches")), "details.mm > summary");
    assertThat(summaries)
        .hasSize(3)
        .allSatisfy(t -> assertThat(t).contains("CreateRepl").contains("SHADOW ERROR"));
    assertThat(new Select(browser.findElement(By.id("mm-api"))).getFirstSelectedOption().getText())
        .isEqualTo("CreateRepl");
  }

  @Test
  @Order(8)
  void page_updatesLive_withoutAReload() {
    open(TOKEN);
    browser.executeScript("window.notReloaded = true;");
    String firstUpdate = text("status");

    reporter.injectAnother("10.0.3.99");

    new WebDriverWait(browser, Duration.ofSeconds(15))
        .until(
            d ->
                d.findElement(By.id("mismatches"))
                    .getAttribute("textContent")
                    .contains("10.0.3.99"));
    assertThat(browser.executeScript("return window.notReloaded === true;")).isEqualTo(true);
    assertThat(text("status")).startsWith("Last updated").isNotEqualTo(firstUpdate);
    assertThat(row("ListMachines")).contains("2 inconsistent");
  }

  @Test
  @Order(9)
  void page_showsEachApisLadderPositionGatesLastRollbackAndRepairs() {
    // ListContainers (NEW_PRIMARY): the new backend fails 60% of calls, legacy none: rolled back.
    // ResolveCluster (NEW_PRIMARY): the new backend fails 60%, legacy 20%: the rollback is held.
    for (int i = 0; i < 100; i++) {
      reporter.cutover.window().accept(newPrimary("ListContainers", i < 60, false));
      reporter.cutover.window().accept(newPrimary("ResolveCluster", i < 60, i >= 80));
    }
    for (int check = 0; check < 3; check++) {
      reporter.cutover.check();
    }

    // Reading the browser's log empties it: what the earlier tests left (their 401s) goes.
    browser.manage().logs().get(LogType.BROWSER);
    open(TOKEN);
    WebElement held = waitFor(By.cssSelector("#cutover tbody tr[data-api='ResolveCluster']"));

    assertThat(held.getText())
        .contains("NEW_PRIMARY", "step 6 of 7", "NEW_ONLY", "NOT READY", "ROLLBACK HELD")
        .contains("legacy error rate 20% (0 errors, 20 timeouts of 100 calls")
        .contains("compared calls", "620", "needs >= 10000")
        .contains("consistency", "100%", "needs >= 99.99%")
        .contains("pending repairs", "unknown")
        .contains("0 pending");
    assertThat(gate(held, "compared calls")).isEqualTo("FAIL");
    assertThat(gate(held, "consistency")).isEqualTo("pass");
    assertThat(gate(held, "drift scan")).isEqualTo("FAIL");
    String rolledBack = cutoverRow("ListContainers");
    assertThat(rolledBack)
        .contains("SHADOW", "step 2 of 7", "NEW_PRIMARY 1%", "AUTO-ROLLBACK")
        .contains("NEW_PRIMARY → SHADOW by auto-rollback: new error rate 60%");
    assertThat(cutoverRow("StopContainer"))
        .contains("LEGACY_ONLY", "step 1 of 7", "SHADOW", "READY")
        .contains("none (legacy stays authoritative)")
        .contains("none");
    assertThat(text("co-hint"))
        .contains("LEGACY_ONLY → SHADOW → NEW_PRIMARY 1%")
        .contains("rollback window 60 s")
        .contains("repairs: 0 pending, 0 repaired, 0 failed");
    assertThat(text("problems"))
        .contains("Automatic rollback of ResolveCluster is held")
        .contains("ListContainers was rolled back automatically");
    List<LogEntry> problems =
        browser.manage().logs().get(LogType.BROWSER).getAll().stream()
            .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue())
            .toList();
    assertThat(problems).isEmpty();
  }

  /** One NEW_PRIMARY call as the proxy's sink sees it, each backend failing as told. */
  private static Exchange newPrimary(String api, boolean newFails, boolean legacyTimesOut) {
    Outcome ok = new Outcome.Answer(JsonNodeFactory.instance.objectNode(), Duration.ofMillis(5));
    return new Exchange(
        api,
        ApiSpec.Kind.READ,
        Mode.NEW_PRIMARY,
        JsonNodeFactory.instance.objectNode(),
        "r",
        Instant.now(),
        newFails ? new Outcome.Failure("UNAVAILABLE", 503, "down", Duration.ofMillis(5)) : ok,
        legacyTimesOut ? new Outcome.TimedOut(Duration.ofMillis(500)) : ok);
  }

  /** The pass/FAIL badge of one gate in an API's cut-over row. */
  private static String gate(WebElement row, String name) {
    return row.findElement(By.cssSelector(".gates .badge[data-gate='" + name + "']")).getText();
  }

  private String cutoverRow(String api) {
    return browser
        .findElement(By.cssSelector("#cutover tbody tr[data-api='" + api + "']"))
        .getText();
  }

  /** A fresh load: the same address again would only be a fragment navigation, keeping state. */
  private void open(String token) {
    browser.get("about:blank");
    browser.get(server.dashboardUrl(token));
    waitFor(By.cssSelector("#apis tbody tr[data-api='ListMachines']"));
  }

  private WebElement waitFor(By selector) {
    return new WebDriverWait(browser, Duration.ofSeconds(15))
        .until(ExpectedConditions.visibilityOfElementLocated(selector));
  }

  private String row(String api) {
    return browser.findElement(By.cssSelector("#apis tbody tr[data-api='" + api + "']")).getText();
  }

  private String text(String id) {
    return browser.findElement(By.id(id)).getText();
  }

  private static List<String> texts(WebElement root, String selector) {
    return root.findElements(By.cssSelector(selector)).stream().map(WebElement::getText).toList();
  }

  /**
   * Saves the whole page as target/dashboard.png; with {@code -Dstrangler.updateScreenshot=true}
   * also as docs/dashboard.png, the picture the README shows.
   */
  private void saveScreenshot() throws Exception {
    long height = (Long) browser.executeScript("return document.documentElement.scrollHeight;");
    browser.manage().window().setSize(new Dimension(WIDTH, (int) Math.min(height, 4000)));
    byte[] png = browser.getScreenshotAs(OutputType.BYTES);
    browser.manage().window().setSize(new Dimension(WIDTH, 1000));
    assertThat(png).hasSizeGreaterThan(10_000);
    Path target = Files.createDirectories(Path.of("target")).resolve("dashboard.png");
    Files.write(target, png);
    if (Boolean.getBoolean("strangler.updateScreenshot")) {
      Path docs = MetricsDoc.file().getParent().resolve("dashboard.png");
      Files.copy(target, docs, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
