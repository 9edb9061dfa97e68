package dev.distill.job.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.distill.job.io.Json;
import dev.distill.job.spark.SparkSessions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretsTest {
  @Test
  void s3KeysInSparkConfAreRedactedAndTheRestIsKept() {
    PipelineConfig c = PipelineConfig.from(new ConfigLoader(Map.of()).load(null, List.of(
        "spark.conf={spark.hadoop.fs.s3a.secret.key: s3cr3t-value, spark.hadoop.fs.s3a.access.key: AKIDEXAMPLE, "
            + "spark.hadoop.fs.s3a.endpoint: 'http://127.0.0.1:9000'}")));
    Map<String, Object> shown = Secrets.redact(c.tree(), SparkSessions.redactionRegex(c));
    String json = Json.compact(shown);
    assertFalse(json.contains("s3cr3t-value"), json);
    assertFalse(json.contains("AKIDEXAMPLE"), json);
    @SuppressWarnings("unchecked")
    Map<String, Object> conf = (Map<String, Object>) ((Map<String, Object>) shown.get("spark")).get("conf");
    assertEquals(Secrets.REDACTED, conf.get("spark.hadoop.fs.s3a.secret.key"));
    assertEquals("http://127.0.0.1:9000", conf.get("spark.hadoop.fs.s3a.endpoint"));
    assertEquals(c.tree().get("select"), shown.get("select"));
    assertEquals("s3cr3t-value", ((Map<?, ?>) ((Map<?, ?>) c.tree().get("spark")).get("conf")).get("spark.hadoop.fs.s3a.secret.key"),
        "the config itself keeps the value Spark needs");
    Map<?, ?> reread = (Map<?, ?>) ((Map<?, ?>) Secrets.withoutRedacted(shown).get("spark")).get("conf");
    assertFalse(reread.containsKey("spark.hadoop.fs.s3a.secret.key"), "a redacted value is dropped, not used as the key");
    assertEquals("http://127.0.0.1:9000", reread.get("spark.hadoop.fs.s3a.endpoint"));
  }
}
