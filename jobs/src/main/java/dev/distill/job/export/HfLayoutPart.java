package dev.distill.job.export;

import dev.distill.job.io.Json;

/**
 * arrow/state.json and arrow/dataset_info.json ({@link HfDatasetLayout}) beside the data file,
 * which must be complete: state.json's fingerprint is its sha256 and dataset_info.json has its size.
 */
final class HfLayoutPart {
  static final String STATE = HfDatasetLayout.DIR + "/" + HfDatasetLayout.STATE;
  static final String INFO = HfDatasetLayout.DIR + "/" + HfDatasetLayout.INFO;

  static void write(HandoffDir handoff, BundleRun origin, long rows) {
    String dataSha = handoff.sha256(JsonlAndArrowPart.ARROW_DATA);
    HfFeatures features = new HfFeatures(BundleSchema.SCHEMA);
    handoff.writeString(STATE, Json.pretty(HfDatasetLayout.state(dataSha)));
    handoff.writeString(INFO, Json.pretty(HfDatasetLayout.info(features, origin.description(), origin.license(), rows,
        handoff.size(JsonlAndArrowPart.ARROW_DATA))));
  }

  private HfLayoutPart() {}
}
