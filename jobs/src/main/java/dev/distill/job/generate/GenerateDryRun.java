package dev.distill.job.generate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;

import dev.distill.job.api.StageContext;
import dev.distill.job.api.Step;
import dev.distill.job.conf.GenerateConfig;
import dev.distill.job.schema.Columns;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** generate.dry_run: the calls still missing from the ledger and their cost, estimated; nothing is called and the run stops. */
final class GenerateDryRun {
  static final String STATUS = "dry_run";

  static Step.Ending estimate(StageContext context, String input) {
    GenerateConfig g = context.config().generate();
    Dataset<Row> rows = context.spark().read().parquet(input)
        .withColumn(GenerateStage.RK, concat_ws("\u0001", col(Columns.SOURCE), col(Columns.ORIGIN)));
    Map<String, Object> windows = new LinkedHashMap<>();
    CallPlanner planner = GenerateStage.plannerWithWindows(g, System.getenv(), windows);
    Ledger ledger = GenerateStage.ledger(context);
    List<GenerateEstimate.Line> lines = GenerateEstimate.estimate(context.spark(), g, planner, rows, ledger, windows);
    String message = "generate dry run: nothing was called; calls still missing from the ledger " + ledger.dir() + ":\n"
        + GenerateEstimate.table(lines);
    return new Step.Ending(STATUS, Map.of("generate_estimate", GenerateEstimate.asMaps(lines)), message);
  }

  private GenerateDryRun() {}
}
