package dev.distill.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.error.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --config: a local path as before, a Hadoop URI through Hadoop's FileSystem, errors naming the URI. */
class ConfigFileTest {
  @TempDir
  Path dir;

  @Test
  void aHadoopUriIsReadThroughItsFilesystemAndAPlainPathAsALocalFile() throws Exception {
    Path file = dir.resolve("my.yaml");
    Files.writeString(file, "select: {size: 11}\n");
    String uri = file.toUri().toString();
    assertTrue(uri.startsWith("file:/"), uri);
    assertEquals(11, PipelineConfig.from(ConfigFile.load(uri, List.of())).select().size());
    assertEquals(11, PipelineConfig.from(ConfigFile.load(file.toString(), List.of())).select().size());
    assertEquals(1000, PipelineConfig.from(ConfigFile.load(null, List.of())).select().size());
  }

  @Test
  void whatIsAUri() {
    assertTrue(ConfigFile.isUri("s3a://bucket/conf.yaml"));
    assertTrue(ConfigFile.isUri("dbfs:/conf.yaml"));
    assertFalse(ConfigFile.isUri("conf/my.yaml"));
    assertFalse(ConfigFile.isUri("/opt/distill/my.yaml"));
    assertFalse(ConfigFile.isUri("C:\\distill\\my.yaml"));
  }

  @Test
  void aMissingObjectAndAnUnknownSchemeExitTwoNamingTheUri() {
    String missing = dir.resolve("missing.yaml").toUri().toString();
    ConfigException gone = assertThrows(ConfigException.class, () -> ConfigFile.load(missing, List.of()));
    assertEquals("Cannot read config file " + missing + ": no such file or object; pass an existing YAML file to --config (a local path or "
        + "a Hadoop URI such as s3a://bucket/conf.yaml)", gone.getMessage());
    ConfigException scheme = assertThrows(ConfigException.class, () -> ConfigFile.load("nosuchfs://b/conf.yaml", List.of()));
    assertTrue(scheme.getMessage().startsWith("Cannot read config file nosuchfs://b/conf.yaml: ") && scheme.getMessage().contains("nosuchfs"),
        scheme.getMessage());
  }
}
