package dev.distill.job.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.SparkTestSession;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LiveProgressTest {

  @Test
  void lineShowsRowsTasksElapsedAndEta() {
    assertEquals("stage 3/8 decontam   running: 2,500 / 10,000 rows (25%), tasks 4/16, elapsed 10.0s, ETA 30.0s",
        LiveProgress.format(3, 8, "decontam", 2_500, 10_000, 4, 16, 10.0));
    assertTrue(LiveProgress.format(3, 8, "decontam", 12_000, 10_000, 16, 16, 10.0)
        .contains("10,000 / 10,000 rows (100%), tasks 16/16, elapsed 10.0s, ETA finishing"), "done rows never exceed the input");
    assertTrue(LiveProgress.format(1, 8, "ingest", 700, -1, 1, 4, 2.0).contains("700 rows read, tasks 1/4, elapsed 2.0s, ETA unknown"));
    assertTrue(LiveProgress.format(2, 8, "quality", 0, 500, 0, 4, 1.0).contains("ETA unknown (no task finished yet)"));
  }

  @Test
  void countsRowsOfTheStagesJobGroupAndPrintsWhileItRuns(@TempDir Path tmp) throws Exception {
    SparkSession spark = SparkTestSession.get();
    SparkContext sc = spark.sparkContext();
    spark.range(1000).coalesce(4).write().parquet(tmp.resolve("in").toString());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Console console = new Console(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    LiveProgress live = new LiveProgress(console, 100).attach(sc);
    try {
      live.begin(2, 5, "probe", 1000);
      sc.setJobGroup(LiveProgress.jobGroup("other"), "not ours", false);
      spark.read().parquet(tmp.resolve("in").toString()).filter("id >= 0").collectAsList();
      sc.setJobGroup(LiveProgress.jobGroup("probe"), "probe: read 1000 rows", false);
      spark.read().parquet(tmp.resolve("in").toString()).filter("id % 2 = 0").collectAsList();
      waitForListener(live, 1000);
      assertEquals(1000, live.rowsDone(), "rows read by the job of the stage's group only");
      assertTrue(live.line().startsWith("stage 2/5 probe      running: 1,000 / 1,000 rows (100%)"), live.line());
      Thread.sleep(350);
      live.end();
      String printed = bytes.toString(StandardCharsets.UTF_8);
      assertTrue(printed.contains("[distill] stage 2/5 probe      running: "), printed);
      int lines = printed.split("\n").length;
      Thread.sleep(300);
      assertEquals(lines, bytes.toString(StandardCharsets.UTF_8).split("\n").length, "no line after the stage ended");
    } finally {
      sc.clearJobGroup();
      live.close(sc);
    }
  }

  private static void waitForListener(LiveProgress live, long rows) throws InterruptedException {
    for (int i = 0; i < 100 && live.rowsDone() < rows; i++) {
      Thread.sleep(50);
    }
  }
}
