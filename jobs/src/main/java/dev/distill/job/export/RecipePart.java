package dev.distill.job.export;

import dev.distill.job.io.Json;

/** train/: s1's recipe with this export's block size and the selection's seed, and the scripts ({@link TrainingRecipe}). */
final class RecipePart {
  static final String RECIPE = TrainingRecipe.DIR + "/" + TrainingRecipe.RECIPE;

  static void write(HandoffDir handoff, int blockSize, long seed) {
    handoff.writeString(RECIPE, Json.pretty(TrainingRecipe.recipe(blockSize, seed)));
    for (String script : TrainingRecipe.SCRIPTS) {
      handoff.writeBytes(script(script), TrainingRecipe.script(script));
    }
  }

  static String script(String name) {
    return TrainingRecipe.DIR + "/" + name;
  }

  private RecipePart() {}
}
