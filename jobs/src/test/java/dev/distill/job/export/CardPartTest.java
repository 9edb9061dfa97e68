package dev.distill.job.export;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** README.md written alone, from the tally of the test selection and stand-in data files. */
class CardPartTest {

  @Test
  void cardShowsTheRowsLicenseFileSizesFunnelDomainsAndTokens(@TempDir Path run) throws Exception {
    HandoffDir handoff = Bundles.handoff(run);
    handoff.writeBytes(JsonlAndArrowPart.ARROW_DATA, new byte[4321]);
    handoff.writeBytes(ExportStage.PARQUET, new byte[987]);
    RowTally tally = Bundles.tally(Bundles.trainRows("drop").collectAsList());
    Map<String, Long> funnel = new LinkedHashMap<>();
    funnel.put("read", 60L);
    funnel.put("select", 6L);

    CardPart.write(handoff, new BundleRun(Bundles.RUN_ID, Bundles.CONFIG_SHA, "s1", 42, "apache-2.0"), tally,
        tally.tokens().toMap("estimated", "chars/4"), funnel, Map.of("11", "Number theory", "51", "Geometry"));

    String card = Files.readString(run.resolve("handoff/README.md"));
    assertTrue(card.startsWith("---\nlicense: \"apache-2.0\"\n"), card);
    assertTrue(card.contains("    num_bytes: 4321\n    num_examples: 5\n"), card);
    assertTrue(card.contains("  download_size: 987\n"), card);
    assertTrue(card.contains("\n5 training rows selected by distill with the `s1` strategy"), card);
    assertTrue(card.contains("| config sha256 | `" + Bundles.CONFIG_SHA + "` |"), card);
    assertTrue(card.contains("| rows without a teacher trace | 1 |"), card);
    assertTrue(card.contains("| read | 60 |\n| select | 6 |\n| export | 5 |\n"), "the funnel ends with export's rows: " + card);
    assertTrue(card.contains("| 11 | Number theory | 4 | 80.0% |\n| 51 | Geometry | 1 | 20.0% |\n"), card);
    assertTrue(card.contains("| tokenizer | `chars/4` |") && card.contains("| rows_dropped_too_long | 1 |"), card);
  }
}
