package io.strangler.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.api.CallContext;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.ConnectReplRequest;
import io.strangler.api.ops.CreateReplRequest;
import io.strangler.api.ops.RegisterMachineRequest;
import io.strangler.dashboards.Browser;
import io.strangler.flags.Mode;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RealServers.RedisDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import redis.clients.jedis.Jedis;

/**
 * The built-in page of the assembled server, in a real headless Chromium: a mismatch made by
 * corrupting the legacy store shows up on the page with its unified diff.
 */
@ExtendWith(RealServers.class)
class DashboardEndToEndTest {
  private final RedisDb redis;
  private final PostgresDb pg;

  @TempDir Path dir;

  DashboardEndToEndTest(RedisDb redis, PostgresDb pg) {
    this.redis = redis;
    this.pg = pg;
  }

  @Test
  void dashboard_showsAMismatchInjectedIntoTheLegacyStore() throws Exception {
    try (TestStrangler strangler =
        TestStrangler.start(
            redis, pg, dir, Mode.SHADOW, new Topology(Map.of("us", List.of("us-1"))))) {
      Instant t = Instant.now();
      for (var plane : List.of(strangler.legacyView, strangler.newView)) {
        plane.registerMachine(
            new RegisterMachineRequest("m-1", "us-1", "10.0.0.1", 8), new CallContext("m", t));
        plane.createRepl(
            new CreateReplRequest("r-1", "o", "my-site", "us"), new CallContext("c", t));
        plane.connectRepl(new ConnectReplRequest("r-1"), new CallContext("k", t));
      }
      try (Jedis j = redis.connect()) {
        j.hset("machine:m-1", "address", "10.9.9.9");
      }
      for (int i = 0; i < 20; i++) {
        strangler.post("GetRepl", "{\"replId\":\"r-1\"}");
      }
      assertThat(strangler.post("GetHostingMetadata", "{\"slug\":\"my-site\"}").statusCode())
          .isEqualTo(200);

      ChromeDriver browser =
          Browser.start(Files.createDirectories(dir.resolve("chrome")), 1400, 1000);
      try {
        browser.get(
            "http://127.0.0.1:"
                + strangler.server.adminPort()
                + "/dashboard#token="
                + TestStrangler.TOKEN);
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        wait.until(
            ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#apis tbody tr[data-api='GetRepl']")));
        WebElement mismatch =
            wait.until(
                ExpectedConditions.presenceOfElementLocated(
                    By.cssSelector("#mismatches details.mm")));
        assertThat(mismatch.findElement(By.tagName("summary")).getText())
            .contains("GetHostingMetadata");
        mismatch.findElement(By.tagName("summary")).click();
        String diff = mismatch.findElement(By.cssSelector("pre.diff")).getAttribute("textContent");
        assertThat(diff).contains("10.9.9.9").contains("10.0.0.1");
        String apis = browser.findElement(By.id("apis")).getText();
        assertThat(apis).contains("GetRepl").contains("SHADOW");
        Path png = Path.of("target", "dashboard-e2e.png");
        Files.createDirectories(png.getParent());
        Files.write(png, browser.getScreenshotAs(OutputType.BYTES));
        assertThat(Files.size(png)).isPositive();
      } finally {
        browser.quit();
      }
    }
  }
}
