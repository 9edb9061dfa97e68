package dev.distill.job.export;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * README.md, the dataset card ({@link DatasetCard}). Written after the data files, whose sizes it
 * shows; its funnel ends with this stage's row count.
 */
final class CardPart {

  /** {@code funnel}: rows after each earlier stage; {@code tokens}: {@link TokenStats#toMap}. */
  static void write(HandoffDir handoff, BundleRun origin, RowTally tally, Map<String, Object> tokens, Map<String, Long> funnel,
      Map<String, String> domainTitles) {
    Map<String, Long> cardFunnel = new LinkedHashMap<>(funnel);
    cardFunnel.put(ExportStage.NAME, tally.rows());
    handoff.writeString(ExportStage.CARD, DatasetCard.render(BundleSchema.SCHEMA, new DatasetCard.Facts(origin.runId(),
        origin.configSha256(), origin.strategy(), origin.seed(), origin.license(), tally.rows(),
        handoff.size(JsonlAndArrowPart.ARROW_DATA), handoff.size(ExportStage.PARQUET), cardFunnel, tally.domains(), domainTitles,
        tokens, tally.withoutTrace())));
  }

  private CardPart() {}
}
