package dev.distill.udf.answer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/** Locates the shared public data folder and reads JSON Lines from it; tests skip when it is absent. */
final class SharedData {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SharedData() {
    }

    /** The data folder: -Ddistill.data, else $DISTILL_DATA, else {@code <repo root>/../shared/data}. */
    static Path dataDir() {
        String property = System.getProperty("distill.data");
        if (property != null && !property.isBlank()) {
            return Paths.get(property);
        }
        String env = System.getenv("DISTILL_DATA");
        if (env != null && !env.isBlank()) {
            return Paths.get(env);
        }
        return repoRoot().resolve("..").resolve("shared").resolve("data").normalize();
    }

    private static Path repoRoot() {
        String property = System.getProperty("distill.repo.root");
        if (property != null && !property.isBlank()) {
            return Paths.get(property).toAbsolutePath();
        }
        Path dir = Paths.get("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("mvnw"))) {
                return p;
            }
        }
        return dir;
    }

    /** The file under the data folder, or a skipped test when the folder or file is missing. */
    static Path require(String relative) {
        Path dir = dataDir();
        assumeTrue(Files.isDirectory(dir), dir + " (…/shared/data) not found: skipping data-backed answer tests");
        Path file = dir.resolve(relative);
        assumeTrue(Files.isRegularFile(file), file + " not found: skipping");
        return file;
    }

    static List<JsonNode> readJsonLines(Path file) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.isBlank()) {
                    rows.add(JSON.readTree(line));
                }
            }
        }
        return rows;
    }
}
