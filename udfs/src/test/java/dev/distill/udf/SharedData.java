package dev.distill.udf;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Locates the shared real data ({@code ../shared/data} next to the repository) for tests, which
 * skip with a visible message where it is absent. The data directory is the system property
 * {@code distill.data}, else the environment variable {@code DISTILL_DATA}, else {@code <repo
 * root>/../shared/data}; the repository root is the system property {@code distill.repo.root},
 * else the first directory containing {@code mvnw} walking up from the working directory.
 */
public final class SharedData {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SharedData() {}

    /** @return the repository root, or null when it cannot be found */
    public static Path repoRoot() {
        String configured = System.getProperty("distill.repo.root");
        if (configured != null && !configured.isBlank()) {
            return Paths.get(configured).toAbsolutePath().normalize();
        }
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve("mvnw"))) {
                return dir;
            }
        }
        return null;
    }

    /** @return the shared data directory (it may not exist) */
    public static Path dataDir() {
        String configured = System.getProperty("distill.data");
        if (configured == null || configured.isBlank()) {
            configured = System.getenv("DISTILL_DATA");
        }
        if (configured != null && !configured.isBlank()) {
            return Paths.get(configured).toAbsolutePath().normalize();
        }
        Path root = repoRoot();
        return root == null ? Paths.get("shared", "data").toAbsolutePath()
                : root.resolve("../shared/data").normalize();
    }

    /**
     * The Qwen {@code tokenizer.json}: {@code <repo root>/../shared/tokenizers/qwen/}, else next to
     * the data directory ({@code <data>/../tokenizers/qwen/}).
     *
     * @return the path (it may not exist)
     */
    public static Path qwenTokenizerPath() {
        Path root = repoRoot();
        if (root != null) {
            Path p = root.resolve("../shared/tokenizers/qwen/tokenizer.json").normalize();
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return dataDir().resolve("../tokenizers/qwen/tokenizer.json").normalize();
    }

    /**
     * A file or directory under the data directory; skips the calling test when it is absent.
     *
     * @param relative path relative to the data directory, e.g. {@code pool/math/x.jsonl}
     * @return the existing path
     */
    public static Path require(String relative) {
        Path p = dataDir().resolve(relative);
        assumeTrue(Files.exists(p), p + " not found: skipping test that needs the shared data");
        return p;
    }

    /**
     * The Qwen tokenizer file; skips the calling test when it is absent.
     *
     * @return the existing path
     */
    public static Path requireQwenTokenizer() {
        Path p = qwenTokenizerPath();
        assumeTrue(Files.isRegularFile(p), p + " not found: skipping test that needs the Qwen tokenizer");
        return p;
    }

    /**
     * String values of {@code field} from a JSON Lines file, in file order.
     *
     * @param file the file
     * @param field a top-level field holding a string
     * @param limit maximum number of values
     * @return up to {@code limit} values (rows without the field are skipped)
     */
    public static List<String> jsonlStrings(Path file, String field, int limit) {
        List<String> out = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file)) {
            String line;
            while (out.size() < limit && (line = reader.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode value = JSON.readTree(line).get(field);
                if (value != null && value.isTextual()) {
                    out.add(value.asText());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
        return out;
    }

    /**
     * String values of {@code field} from a file holding one JSON array of objects (or an object
     * whose {@code example} member is that array, as in GAOKAO-Bench); a field holding an array of
     * strings contributes each of them.
     *
     * @param file the file
     * @param field a field of each object
     * @param limit maximum number of values
     * @return up to {@code limit} values
     */
    public static List<String> jsonArrayStrings(Path file, String field, int limit) {
        List<String> out = new ArrayList<>();
        try {
            JsonNode root = JSON.readTree(file.toFile());
            if (root.has("example")) {
                root = root.get("example");
            }
            for (JsonNode row : root) {
                JsonNode value = row.get(field);
                if (value == null) {
                    continue;
                }
                if (value.isArray()) {
                    for (JsonNode item : value) {
                        if (item.isTextual() && out.size() < limit) {
                            out.add(item.asText());
                        }
                    }
                } else if (value.isTextual()) {
                    out.add(value.asText());
                }
                if (out.size() >= limit) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
        return out;
    }

    /** Every non-blank line of a JSON Lines file, parsed. */
    public static List<JsonNode> readJsonLines(Path file) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file)) {
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
