package dev.distill.job.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.SparkTestSession;
import dev.distill.job.conf.ConfigException;
import dev.distill.job.conf.PipelineConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The generate section: defaults, inheritance of endpoint settings, and errors that name the key. */
class GenerateConfigTest {

  private static String error(String... sets) {
    return assertThrows(ConfigException.class, () -> SparkTestSession.config(sets)).getMessage();
  }

  @Test
  void offByDefault() {
    GenerateConfig g = SparkTestSession.config().generate();
    assertFalse(g.enabled());
    assertTrue(g.roles().isEmpty());
  }

  @Test
  void rolesInheritTheEndpointAndStudentsGetDefaults() {
    PipelineConfig c = SparkTestSession.config("generate.base_url=http://127.0.0.1:9/v1", "generate.api_key_env=MY_KEY",
        "generate.teacher.model=t", "generate.students=[{name: s7, model: q7, samples: 4, temperature: 0.6}, {name: s32, model: q32, base_url: 'http://other/v1'}]");
    GenerateConfig g = c.generate();
    assertTrue(g.enabled());
    assertEquals(List.of("teacher", "s7", "s32"), g.roles().stream().map(GenerateConfig.Role::name).toList());
    assertEquals("http://127.0.0.1:9/v1", g.teacher().baseUrl());
    assertEquals("MY_KEY", g.students().get(0).apiKeyEnv());
    assertEquals(4, g.students().get(0).samples());
    assertEquals(0.6, g.students().get(0).temperature());
    assertEquals(8192, g.students().get(1).maxTokens());
    assertEquals("http://other/v1", g.students().get(1).baseUrl());
    assertTrue(g.students().get(1).prompt().text().contains("\\boxed{}"));
  }

  @Test
  void errorsNameTheKeyAndTheFix() {
    assertTrue(error("generate.teacher.model=t").contains("generate.teacher.base_url"));
    assertTrue(error("generate.base_url=http://h/v1", "generate.students=[{name: a, model: m, colour: red}]")
        .contains("generate.students[0].colour"));
    assertTrue(error("generate.base_url=http://h/v1", "generate.students=[{name: a}]").contains("generate.students[0].model"));
    assertTrue(error("generate.base_url=http://h/v1", "generate.students=[{name: a, model: m}, {name: a, model: n}]")
        .contains("used twice"));
    String prompt = error("generate.base_url=http://h/v1", "generate.judge.model=j", "generate.judge.prompt='{question} {answer}'");
    assertTrue(prompt.contains("generate.judge.prompt") && prompt.contains("{answer}"), prompt);
    assertTrue(error("generate.teacher.api_key=sk-123").contains("generate.teacher.api_key"), "keys themselves are not config");
    assertTrue(error("generate.base_url=http://h/v1", "generate.students=[{name: a, model: m, temperature: 5}]")
        .contains("generate.students[0].temperature"));
  }

  @Test
  void sparkRedactsTheKeyVariables() {
    PipelineConfig c = SparkTestSession.config("generate.base_url=http://h/v1", "generate.teacher.model=t", "generate.api_key_env=LLM_CREDS");
    java.util.regex.Pattern redaction = java.util.regex.Pattern.compile(dev.distill.job.spark.SparkSessions.redactionRegex(c));
    assertTrue(redaction.matcher("spark.executorEnv.LLM_CREDS").find());
    assertTrue(redaction.matcher("spark.hadoop.fs.s3a.secret.key").find());
    assertFalse(redaction.matcher("spark.app.name").find());
  }

  @Test
  void missingKeyVariableFailsBeforeAnythingRuns() {
    GenerateConfig g = SparkTestSession.config("generate.base_url=http://h/v1", "generate.teacher.model=t",
        "generate.api_key_env=DISTILL_TEST_UNSET_KEY").generate();
    ConfigException e = assertThrows(ConfigException.class, () -> GenerateStage.apiKeys(g, Map.of()));
    assertTrue(e.getMessage().contains("generate.teacher.api_key_env") && e.getMessage().contains("DISTILL_TEST_UNSET_KEY"), e.getMessage());
    assertTrue(GenerateStage.apiKeys(g, Map.of("DISTILL_TEST_UNSET_KEY", "sk-x")).get("teacher").present());
  }

  @Test
  void ledgerKeysDependOnModelMessagesAndParametersOnly() {
    GenerateConfig g = SparkTestSession.config("generate.base_url=http://h/v1", "generate.teacher.model=t").generate();
    GenerateConfig other = SparkTestSession.config("generate.base_url=http://elsewhere/v1", "generate.teacher.model=t",
        "generate.api_key_env=HOME").generate();
    GenerateConfig hotter = SparkTestSession.config("generate.base_url=http://h/v1", "generate.teacher.model=t",
        "generate.teacher.temperature=0.7").generate();
    Map<String, String> q = Map.of("question", "What is 1+1?");
    String key = CallPlanner.call("r", "teacher", g.teacher(), q, null).getString(2);
    assertEquals(key, CallPlanner.call("r2", "teacher", other.teacher(), q, null).getString(2), "endpoint and key do not change the request");
    assertFalse(key.equals(CallPlanner.call("r", "teacher", hotter.teacher(), q, null).getString(2)));
    assertFalse(key.equals(CallPlanner.call("r", "teacher", g.teacher(), q, 1).getString(2)), "the sample seed is part of the key");
  }
}
