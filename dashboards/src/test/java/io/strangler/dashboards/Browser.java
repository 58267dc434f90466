package io.strangler.dashboards;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * A real headless Chromium driven through chromedriver (Debian packages {@code chromium} and {@code
 * chromium-driver}). Both binaries are named explicitly, so Selenium Manager never looks for or
 * downloads a browser or a driver.
 */
public final class Browser {
  // Selenium warns that it has no DevTools for this Chromium version; the tests use WebDriver only.
  // Held here because java.util.logging keeps loggers weakly.
  private static final Logger SELENIUM = Logger.getLogger("org.openqa.selenium");

  private Browser() {}

  /**
   * Starts chromedriver and a headless Chromium with a fresh profile in {@code profile} and a
   * window of {@code width} x {@code height}; quit it when done. Fails the test, saying what to
   * install, when either binary is missing.
   */
  public static ChromeDriver start(Path profile, int width, int height) {
    SELENIUM.setLevel(Level.SEVERE);
    Path chromium = binary("CHROMIUM_BIN", "/usr/bin/chromium");
    Path chromedriver = binary("CHROMEDRIVER_BIN", "/usr/bin/chromedriver");
    System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, chromedriver.toString());
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(chromedriver.toString()))
            .usingAnyFreePort()
            .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.toFile());
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-dev-shm-usage",
        "--password-store=basic",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        "--lang=en-US",
        "--window-size=" + width + "," + height,
        "--user-data-dir=" + profile.toAbsolutePath());
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    return new ChromeDriver(service, options);
  }

  private static Path binary(String variable, String fallback) {
    String configured = System.getenv(variable);
    Path path = Path.of(configured == null || configured.isBlank() ? fallback : configured);
    if (!Files.isExecutable(path)) {
      fail(
          path
              + " is missing: the page is tested in a real headless Chromium. Install Debian's"
              + " chromium and chromium-driver (sudo apt-get install -y chromium chromium-driver;"
              + " CI installs them) or set "
              + variable
              + ".");
    }
    return path;
  }
}
