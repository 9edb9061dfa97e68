package dev.distill.job.generate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.conf.Endpoints;
import dev.distill.job.conf.GenerateConfig;
import dev.distill.job.io.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The context window of each role's model: the configured one, or what the server lists under
 * {@code GET <base_url>/models} ({@code max_model_len} on vLLM and SGLang, {@code context_length}
 * on OpenRouter). Asked once per run on the driver; a server that lists nothing leaves the
 * window unknown and calls unchecked (said in run.json and the dry run).
 */
final class ContextWindows {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  /** What is known of one role's window. */
  record Window(Integer tokens, String source) {}

  static Map<String, Window> resolve(GenerateConfig g, Map<String, ApiKey> keys) {
    Map<String, Window> out = new LinkedHashMap<>();
    Map<String, JsonNode> listings = new LinkedHashMap<>();
    for (GenerateConfig.Role r : g.roles()) {
      int configured = r.wire().contextWindow();
      if (configured > 0) {
        out.put(r.name(), new Window(configured, "config"));
      } else if (configured < 0) {
        out.put(r.name(), new Window(null, "not checked (context_window: -1)"));
      } else {
        String url = Endpoints.models(r.baseUrl());
        // Asked once per endpoint and key, however many roles share them.
        JsonNode listing = listings.computeIfAbsent(url + "\u0001" + r.apiKeyEnv() + "\u0001" + r.apiKeyFile(),
            u -> list(url, keys.getOrDefault(r.name(), ApiKey.NONE)));
        out.put(r.name(), fromListing(listing, r.model(), url));
      }
    }
    return out;
  }

  static Window fromListing(JsonNode listing, String model, String url) {
    if (listing == null) {
      return new Window(null, "unknown: " + url + " did not answer with a model list");
    }
    for (JsonNode m : listing.path("data")) {
      if (model.equals(m.path("id").asText())) {
        for (String field : new String[] {"max_model_len", "context_length", "context_window"}) {
          if (m.path(field).canConvertToInt() && m.path(field).asInt() > 0) {
            return new Window(m.path(field).asInt(), "server (" + field + ")");
          }
        }
        return new Window(null, "unknown: " + url + " lists " + model + " without its window");
      }
    }
    return new Window(null, "unknown: " + url + " does not list " + model);
  }

  static Map<String, Integer> tokens(Map<String, Window> windows) {
    Map<String, Integer> out = new LinkedHashMap<>();
    windows.forEach((name, w) -> {
      if (w.tokens() != null) {
        out.put(name, w.tokens());
      }
    });
    return out;
  }

  private static JsonNode list(String url, ApiKey key) {
    try {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).GET();
      if (key.present()) {
        request.header("Authorization", key.bearer());
      }
      HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? Json.MAPPER.readTree(response.body()) : null;
    } catch (IOException | RuntimeException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private ContextWindows() {}
}
