package dev.distill.job;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The jobs module's layers (README, "Architecture"), from the ground up: a package may use the
 * ones below it and those of its own layer, never one above; and no two packages use each other.
 */
class LayersTest {
  /** Layer name -> its packages, bottom first. */
  static final Map<String, List<String>> LAYERS = new LinkedHashMap<>();

  static {
    LAYERS.put("error", List.of("error"));
    LAYERS.put("schema", List.of("schema"));
    LAYERS.put("source", List.of("source"));
    LAYERS.put("conf", List.of("conf"));
    LAYERS.put("io", List.of("io"));
    LAYERS.put("spark", List.of("spark"));
    LAYERS.put("api", List.of("api"));
    LAYERS.put("steps", List.of("ingest", "generate", "embed", "filter", "dedup", "score", "select", "export", "sample"));
    LAYERS.put("run", List.of("run"));
    LAYERS.put("readers", List.of("report", "notebook", "grade"));
    LAYERS.put("cli", List.of("cli"));
  }

  static final JavaClasses JOBS = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.distill.job");

  @Test
  void noPackageUsesALayerAboveIt() {
    LayeredArchitecture layers = layeredArchitecture().consideringOnlyDependenciesInLayers();
    for (Map.Entry<String, List<String>> layer : LAYERS.entrySet()) {
      layers = layers.layer(layer.getKey()).definedBy(layer.getValue().stream().map(p -> "dev.distill.job." + p + "..").toArray(String[]::new));
    }
    List<String> names = List.copyOf(LAYERS.keySet());
    for (int i = 0; i < names.size() - 1; i++) {
      String[] above = names.subList(i + 1, names.size()).toArray(String[]::new);
      layers = layers.whereLayer(names.get(i)).mayOnlyBeAccessedByLayers(above);
    }
    layers = layers.whereLayer(names.get(names.size() - 1)).mayNotBeAccessedByAnyLayer();
    layers.check(JOBS);
  }

  @Test
  void noPackageCycles() {
    slices().matching("dev.distill.job.(*)..").should().beFreeOfCycles().check(JOBS);
  }

  @Test
  void everyPackageHasALayer() {
    List<String> placed = LAYERS.values().stream().flatMap(List::stream).toList();
    List<String> packages = JOBS.stream().map(c -> c.getPackageName().replaceFirst("^dev\\.distill\\.job\\.?", "").split("\\.")[0])
        .filter(p -> !p.isEmpty()).distinct().sorted().toList();
    List<String> missing = packages.stream().filter(p -> !placed.contains(p)).toList();
    org.junit.jupiter.api.Assertions.assertEquals(List.of(), missing, "packages without a layer in " + Arrays.asList(LAYERS.keySet().toArray()));
  }
}
