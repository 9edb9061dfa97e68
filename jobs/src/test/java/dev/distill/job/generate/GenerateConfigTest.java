package dev.distill.job.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.SparkTestSession;
import dev.distill.job.conf.Endpoints;
import dev.distill.job.conf.GenerateConfig;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.conf.Secrets;
import dev.distill.job.error.ConfigException;
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

  private static String key(GenerateConfig.Role role, Integer seed) {
    return dev.distill.job.io.Json.canonicalSha256(CallPlanner.body(role, "What is 1+1?", seed, 1, role.maxTokens()));
  }

  @Test
  void ledgerKeysDependOnModelMessagesAndParametersOnly() {
    GenerateConfig g = SparkTestSession.config("generate.base_url=http://h/v1", "generate.teacher.model=t").generate();
    GenerateConfig other = SparkTestSession.config("generate.base_url=http://elsewhere/v1", "generate.teacher.model=t",
        "generate.api_key_env=HOME", "generate.teacher.stream=false").generate();
    GenerateConfig hotter = SparkTestSession.config("generate.base_url=http://h/v1", "generate.teacher.model=t",
        "generate.teacher.temperature=0.7").generate();
    GenerateConfig extra = SparkTestSession.config("generate.base_url=http://h/v1", "generate.teacher.model=t",
        "generate.teacher.extra_body={top_p: 0.95, chat_template_kwargs: {enable_thinking: true}}").generate();
    String key = key(g.teacher(), null);
    assertEquals(key, key(other.teacher(), null), "endpoint, key and streaming do not change the request");
    assertFalse(key.equals(key(hotter.teacher(), null)));
    assertFalse(key.equals(key(g.teacher(), 1)), "the sample seed is part of the key");
    assertFalse(key.equals(key(extra.teacher(), null)), "extra_body is part of the key");
    Map<String, Object> body = CallPlanner.body(extra.teacher(), "q", null, 1, 100);
    assertEquals(0.95, body.get("top_p"));
    assertEquals(Map.of("enable_thinking", true), body.get("chat_template_kwargs"));
  }

  @Test
  void reasoningModelsGetTheirOwnParameters() {
    GenerateConfig g = SparkTestSession.config("generate.base_url=https://api.openai.com/v1", "generate.teacher.model=o4-mini",
        "generate.teacher.limit_field=max_completion_tokens", "generate.teacher.send_temperature=false").generate();
    Map<String, Object> body = CallPlanner.body(g.teacher(), "q", null, 1, 1000);
    assertEquals(1000, body.get("max_completion_tokens"));
    assertFalse(body.containsKey("max_tokens"));
    assertFalse(body.containsKey("temperature"));
    assertEquals(0.6, SparkTestSession.config("generate.base_url=http://h/v1", "generate.teacher.model=t").generate().teacher().temperature(),
        "the teacher's default follows the reasoning models' cards");
    assertEquals(4, CallPlanner.body(g.teacher(), "q", null, 4, 10).get("n"));
  }

  @Test
  void aWholeRoleSetOnTheCommandLineKeepsTheDefaultsItDoesNotName() {
    GenerateConfig g = SparkTestSession.config("generate.teacher={model: t, base_url: 'http://h/v1', samples: 2}").generate();
    assertEquals(0.6, g.teacher().temperature());
    assertEquals(2, g.teacher().samples());
    assertTrue(g.teacher().wire().stream());
    assertEquals(32768, g.teacher().maxTokens());
  }

  @Test
  void noGenerateSettingIsRedactedFromRunJson() {
    // run.json redacts string values whose key looks secret ("token" among them); a setting redacted
    // there could not be read back by bin/distill select --run or the notebooks.
    PipelineConfig c = SparkTestSession.config("generate.base_url=http://h/v1", "generate.teacher.model=t",
        "generate.teacher.limit_field=max_completion_tokens", "generate.students=[{name: s, model: m}]");
    Map<String, Object> redacted = dev.distill.job.conf.Secrets.redact(c.tree(), dev.distill.job.spark.SparkSessions.redactionRegex(c));
    assertEquals(c.tree().get("generate"), redacted.get("generate"));
  }

  @Test
  void wireMistakesAreConfigErrors() {
    assertTrue(error("generate.base_url=http://h/v1", "generate.teacher.model=t", "generate.teacher.samples=4", "generate.teacher.temperature=0")
        .contains("generate.teacher.samples"));
    assertTrue(error("generate.base_url=http://h/v1", "generate.students=[{name: a, model: m, samples: 3}]")
        .contains("generate.students[0].samples"), "students default to temperature 0");
    assertTrue(error("generate.base_url=http://h/v1", "generate.teacher.model=t", "generate.teacher.extra_body={stream: false}")
        .contains("generate.teacher.extra_body.stream"));
    assertTrue(error("generate.base_url=http://h/v1", "generate.teacher.model=t", "generate.teacher.limit_field=max_new_tokens")
        .contains("generate.teacher.limit_field"));
  }

  @Test
  void aCapNeedsPricesForEveryPaidRole() {
    String e = error("generate.base_url=https://api.deepseek.com/v1", "generate.teacher.model=deepseek-reasoner", "generate.max_cost_usd=20");
    assertTrue(e.contains("generate.teacher.price_input") && e.contains("free: true"), e);
    // A server on this machine or a private network is free unless said otherwise; free: true says so for any other.
    SparkTestSession.config("generate.base_url=http://10.0.3.7:8000/v1", "generate.teacher.model=t", "generate.max_cost_usd=20");
    SparkTestSession.config("generate.base_url=https://vllm.example.com/v1", "generate.teacher.model=t", "generate.max_cost_usd=20",
        "generate.teacher.free=true");
    SparkTestSession.config("generate.base_url=https://api.deepseek.com/v1", "generate.teacher.model=t", "generate.max_cost_usd=20",
        "generate.teacher.price_input=0.55", "generate.teacher.price_output=2.19");
    assertTrue(Endpoints.isLocalOrPrivate("http://127.0.0.1:8000/v1") && Endpoints.isLocalOrPrivate("http://vllm.default.svc:8000/v1")
        && Endpoints.isLocalOrPrivate("http://192.168.1.20/v1") && !Endpoints.isLocalOrPrivate("https://openrouter.ai/api/v1"));
  }
}
