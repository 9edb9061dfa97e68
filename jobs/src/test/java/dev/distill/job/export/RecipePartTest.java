package dev.distill.job.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.SharedPaths;
import dev.distill.job.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train/ written alone. */
class RecipePartTest {

  @Test
  void recipeHoldsTheBlockSizeAndSeedAndTheScriptsAreTheRepositorysOwn(@TempDir Path run) throws Exception {
    RecipePart.write(Bundles.handoff(run), 1234, 77);

    Path train = run.resolve("handoff/train");
    JsonNode recipe = Json.MAPPER.readTree(Files.readString(train.resolve("recipe.json")));
    assertEquals(1234, recipe.get("block_size").asInt());
    assertEquals(77, recipe.get("seed").asLong());
    assertEquals(ChatFormat.ASSISTANT, recipe.get("response_template").asText());
    for (String script : new String[] {"train.py", "launch.sh"}) {
      assertArrayEquals(Files.readAllBytes(SharedPaths.repoRoot().resolve("training").resolve(script)),
          Files.readAllBytes(train.resolve(script)), script);
    }
  }
}
