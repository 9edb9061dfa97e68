package dev.distill.job.conf;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;

/** URLs of an OpenAI-compatible API root, and whether it is on this machine or a private network. */
public final class Endpoints {

  /** {@code <base>/chat/completions}, whether the base already ends with it or not. */
  public static String chatCompletions(String baseUrl) {
    String root = root(baseUrl);
    return root.endsWith("/chat/completions") ? root : root + "/chat/completions";
  }

  /** {@code <base>/models}: vLLM and SGLang list each model's max_model_len there. */
  public static String models(String baseUrl) {
    String root = root(baseUrl);
    if (root.endsWith("/chat/completions")) {
      root = root.substring(0, root.length() - "/chat/completions".length());
    }
    return root + "/models";
  }

  /**
   * Loopback, a private or link-local address, or a host name that only resolves inside a network
   * (localhost, *.local, *.internal, *.svc, *.cluster.local, a name without dots). Decided from the
   * URL alone: no lookup, so a config check never waits on DNS.
   */
  public static boolean isLocalOrPrivate(String baseUrl) {
    String host;
    try {
      host = URI.create(baseUrl.trim()).getHost();
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (host == null || host.isEmpty()) {
      return false;
    }
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (h.equals("localhost") || h.endsWith(".localhost") || h.endsWith(".local") || h.endsWith(".internal") || h.endsWith(".svc")
        || h.endsWith(".cluster.local") || !h.contains(".") && !h.contains(":")) {
      return true;
    }
    if (!h.matches("[0-9.]+") && !h.contains(":")) {
      return false;
    }
    try {
      InetAddress a = InetAddress.getByName(h);
      return a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress()
          || h.startsWith("fd") || h.startsWith("fc");
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** The base URL without surrounding blanks and its trailing slash, for appending paths to. */
  public static String root(String baseUrl) {
    String b = baseUrl.trim();
    return b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
  }

  private Endpoints() {}
}
