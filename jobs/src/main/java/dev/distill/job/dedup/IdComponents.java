package dev.distill.job.dedup;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Connected components of ids joined by edges (union-find with path compression). The smaller
 * root always becomes the parent, so a component's root is its smallest id whatever the edge order.
 */
public final class IdComponents {
  private final Map<String, String> parent = new HashMap<>();

  public void union(String a, String b) {
    String ra = root(a);
    String rb = root(b);
    parent.putIfAbsent(ra, ra);
    parent.putIfAbsent(rb, rb);
    if (ra.compareTo(rb) < 0) {
      parent.put(rb, ra);
    } else if (rb.compareTo(ra) < 0) {
      parent.put(ra, rb);
    }
  }

  /** The smallest id of {@code id}'s component; an id never joined is its own. */
  public String root(String id) {
    String root = id;
    while (parent.containsKey(root) && !parent.get(root).equals(root)) {
      root = parent.get(root);
    }
    String cur = id;
    while (!cur.equals(root)) {
      String next = parent.get(cur);
      parent.put(cur, root);
      cur = next;
    }
    return root;
  }

  /** Every id some edge joined. */
  public Set<String> ids() {
    return parent.keySet();
  }
}
