package dev.distill.job.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.SharedPaths;
import dev.distill.job.cli.Main;
import dev.distill.job.error.ExitCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * The run report of a small sample run, opened from disk in headless Chromium (Debian's chromium
 * and chromium-driver): the charts render with a size, the console stays clean and the markup
 * payloads the sample pool plants in questions show as text and never run. Skipped, with the
 * install command, where chromium or chromedriver is missing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReportBrowserIT {
  static final List<String> CHROMIUM = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome");
  static final List<String> DRIVER = List.of("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");

  Path out;
  Path run;
  ChromeDriver browser;
  String bodyText;

  @BeforeAll
  void runReSelectReportAndOpen() throws Exception {
    String chromium = CHROMIUM.stream().filter(p -> Files.isExecutable(Path.of(p))).findFirst().orElse(null);
    String driver = DRIVER.stream().filter(p -> Files.isExecutable(Path.of(p))).findFirst().orElse(null);
    Assumptions.assumeTrue(chromium != null && driver != null,
        "ReportBrowserIT skipped: chromium and chromedriver not found (" + CHROMIUM + ", " + DRIVER + "); "
            + "install them with: apt-get install -y chromium chromium-driver");
    out = Files.createTempDirectory("distill-report-it");
    assertEquals(ExitCode.OK, Main.run(new String[] {"run", "--output", out.toString(), "--run-id", "r", "--set", "sample_pool.rows=3000",
        "--set", "select.size=300", "--set", "spark.master=local[2]", "--set", "spark.conf={spark.ui.enabled: 'false'}"}));
    run = out.resolve("r");
    assertTrue(Files.exists(run.resolve(ReportWriter.PATH)), "every run writes its report");
    assertEquals(ExitCode.OK, Main.run(new String[] {"select", "--run", run.toString(), "--strategy", "random", "--seed", "3",
        "--set", "spark.master=local[2]", "--set", "spark.conf={spark.ui.enabled: 'false'}"}));
    assertEquals(ExitCode.OK, Main.run(new String[] {"report", "--run", run.toString(), "--set", "spark.master=local[2]",
        "--set", "spark.conf={spark.ui.enabled: 'false'}"}));

    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium);
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage",
        "--window-size=1280,2200");
    options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(Path.of(driver).toFile()).usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
    browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
    browser.get(run.resolve(ReportWriter.PATH).toUri().toString());
    bodyText = browser.findElement(By.tagName("body")).getText();
  }

  @AfterAll
  void closeAndDelete() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (out != null) {
      try (java.util.stream.Stream<Path> paths = Files.walk(out)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void chartsArePresentAndNotEmpty() {
    for (String id : List.of("chart-funnel", "chart-reasons", "chart-domains", "chart-difficulty", "chart-tokens", "chart-sources",
        "chart-strategies")) {
      WebElement svg = browser.findElement(By.id(id));
      assertTrue(svg.getRect().getWidth() > 200 && svg.getRect().getHeight() > 100, id + " has a size: " + svg.getRect().getDimension());
      long bars = (Long) ((JavascriptExecutor) browser).executeScript(
          "return Array.from(arguments[0].querySelectorAll('rect')).filter(r => r.getBBox().width > 0 && r.getBBox().height > 0).length", svg);
      assertTrue(bars >= 3, id + " draws bars: " + bars);
    }
  }

  @Test
  void theConsoleHasNoErrors() {
    List<LogEntry> severe = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
    assertTrue(severe.isEmpty(), "console errors: " + severe);
  }

  @Test
  void plantedPayloadsShowAsTextAndNeverRun() {
    JavascriptExecutor js = browser;
    assertEquals(Boolean.TRUE, js.executeScript("return typeof window.__pwned === 'undefined'"), "a payload ran");
    assertEquals("distill run r", browser.getTitle());
    assertEquals(0L, js.executeScript("return document.getElementsByTagName('script').length"), "no script element");
    assertEquals(0L, js.executeScript("return document.getElementsByTagName('img').length"), "no img element");
    assertTrue(bodyText.contains("<script>window.__pwned=") || bodyText.contains("onerror=\"window.__pwned="),
        "the sample pool's payload questions are shown as text");
  }

  @Test
  void strategiesOverlapAndSectionsAreShown() throws Exception {
    assertTrue(bodyText.contains("random-seed3"), "the re-selection is compared");
    for (String section : ReportPage.SECTIONS) {
      assertTrue(browser.findElement(By.id(section)).isDisplayed(), section);
    }
    assertEquals(300, browser.findElements(By.cssSelector("#selected tbody tr")).size(), "one row per selected row");
    Path shot = SharedPaths.repoRoot().resolve("jobs/target/report-screenshot.png");
    Files.createDirectories(shot.getParent());
    Files.write(shot, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    assertTrue(Files.size(shot) > 10_000, "screenshot " + shot);
  }
}
