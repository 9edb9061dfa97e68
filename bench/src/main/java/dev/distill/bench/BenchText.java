package dev.distill.bench;

import dev.distill.udf.tokens.EstimatedTokenCounter;
import java.util.SplittableRandom;

/**
 * Text with the shapes of an s1 pool for the benchmark: competition-style math questions of about
 * 80 words and teacher reasoning traces of a requested length in tokens, written with the
 * vocabulary of real solutions (LaTeX, numbers, the hesitations of long chain-of-thought) so a
 * byte-level BPE tokenizer sees realistic text. Every template has a random slot at least every
 * few words, so unrelated texts share no long word runs (no false 8-gram or 5-shingle overlaps)
 * and a long trace does not look repetitive to the quality stage.
 */
final class BenchText {
  static final String[] NAMES = {"Ada", "Bela", "Chen", "Dana", "Emeka", "Farah", "Goran", "Hana", "Ivo", "Jun", "Kiri", "Lena",
      "Mateo", "Noor", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Vera", "Wen", "Ximena", "Yusuf", "Zara"};
  static final String[] OBJECTS = {"triangle", "polynomial", "sequence", "matrix", "circle", "parabola", "hexagon", "lattice",
      "graph", "function", "tetrahedron", "prism", "permutation", "subset", "integer", "fraction", "chord", "ellipse", "vector",
      "determinant", "series", "recurrence", "tangent", "quadrilateral", "pentagon", "cube", "sphere", "cone", "cylinder", "rhombus"};
  static final String[] ADJECTIVES = {"positive", "distinct", "real", "acute", "convex", "regular", "monic", "prime", "odd", "even",
      "rational", "nonnegative", "consecutive", "isosceles", "equilateral", "finite", "symmetric", "periodic", "bounded", "cyclic"};
  static final String[] VERBS = {"find", "compute", "determine", "evaluate", "prove", "show", "count", "estimate", "simplify", "express"};
  static final String[] QUANTITIES = {"area", "perimeter", "sum", "product", "remainder", "number", "probability", "volume", "length",
      "radius", "angle", "value", "maximum", "minimum", "expected value", "greatest common divisor", "least common multiple"};
  static final String[] CONNECTIVES = {"Suppose that", "Given that", "Assume", "It is known that", "We are told that", "Consider that",
      "Note that", "Recall that"};
  static final String[] HEDGES = {"Wait,", "Hmm,", "Actually,", "Let me double-check:", "Alternatively,", "So", "Now", "Okay,",
      "Hold on,", "Let me reconsider:", "Then", "Therefore", "But", "On the other hand,"};
  static final String[] SUBJECTS = {"Algebra", "Number Theory", "Geometry", "Counting & Probability", "Precalculus",
      "Intermediate Algebra", "Calculus", "Linear Algebra", "Combinatorics", "Probability"};

  private static final EstimatedTokenCounter ESTIMATE = new EstimatedTokenCounter();

  private BenchText() {}

  static String pick(SplittableRandom r, String[] words) {
    return words[r.nextInt(words.length)];
  }

  /** A math question of about 80 words (70 to 95), in 5 to 7 sentences with random slots. */
  static String question(SplittableRandom r) {
    StringBuilder q = new StringBuilder(600);
    q.append(pick(r, NAMES)).append(' ').append(pick(r, new String[] {"studies", "draws", "considers", "writes down", "examines"}))
        .append(" a ").append(pick(r, ADJECTIVES)).append(' ').append(pick(r, OBJECTS)).append(" labelled ").append(r.nextInt(1000))
        .append(". ");
    int target = 55 + r.nextInt(20);
    while (words(q) < target) {
      questionSentence(q, r);
    }
    q.append(capital(pick(r, VERBS))).append(" the ").append(pick(r, QUANTITIES)).append(" of $")
        .append(expression(r)).append("$ when $n = ").append(2 + r.nextInt(97)).append("$.");
    return q.toString();
  }

  private static void questionSentence(StringBuilder q, SplittableRandom r) {
    switch (r.nextInt(8)) {
      case 0 -> q.append(pick(r, CONNECTIVES)).append(" $").append(expression(r)).append("$ for every ").append(pick(r, ADJECTIVES))
          .append(" $").append(var(r)).append("$. ");
      case 1 -> q.append("The ").append(pick(r, OBJECTS)).append(" has ").append(pick(r, QUANTITIES)).append(' ')
          .append(r.nextInt(500)).append(" and ").append(pick(r, ADJECTIVES)).append(' ').append(pick(r, OBJECTS)).append("s. ");
      case 2 -> q.append("Let $").append(var(r)).append("_{").append(1 + r.nextInt(9)).append("}, \\ldots, ").append(var(r))
          .append("_{").append(3 + r.nextInt(40)).append("}$ be ").append(pick(r, ADJECTIVES)).append(' ').append(pick(r, OBJECTS))
          .append("s. ");
      case 3 -> q.append("Each ").append(pick(r, OBJECTS)).append(" with ").append(pick(r, QUANTITIES)).append(" at most $\\frac{")
          .append(1 + r.nextInt(30)).append("}{").append(2 + r.nextInt(30)).append("}$ is ").append(pick(r, ADJECTIVES)).append(". ");
      case 4 -> q.append("If $").append(var(r)).append(" \\equiv ").append(r.nextInt(50)).append(" \\pmod{").append(3 + r.nextInt(60))
          .append("}$, then ").append(pick(r, NAMES)).append(' ').append(pick(r, new String[] {"claims", "guesses", "conjectures"}))
          .append(" it is ").append(pick(r, ADJECTIVES)).append(". ");
      case 5 -> q.append("A point $P$ lies ").append(pick(r, new String[] {"inside", "outside", "on"})).append(" the ")
          .append(pick(r, OBJECTS)).append(" at distance ").append(1 + r.nextInt(99)).append(" from its ").append(pick(r, QUANTITIES))
          .append(". ");
      case 6 -> q.append("The ").append(pick(r, QUANTITIES)).append(" of all ").append(pick(r, ADJECTIVES)).append(" $")
          .append(var(r)).append("$ below ").append(10 + r.nextInt(990)).append(" is ").append(pick(r, ADJECTIVES)).append(". ");
      default -> q.append(capital(pick(r, VERBS))).append(" whether $").append(expression(r)).append("$ is ").append(pick(r, ADJECTIVES))
          .append(" for ").append(2 + r.nextInt(20)).append(" values. ");
    }
  }

  /** An eval-set question: its own wording, so pool questions share no 8-gram with it unless copied. */
  static String evalQuestion(int i, SplittableRandom r) {
    return "Benchmark item " + i + ": a " + pick(r, ADJECTIVES) + " " + pick(r, OBJECTS) + " of side " + (10 + r.nextInt(900))
        + " is reflected " + (2 + r.nextInt(40)) + " times across a line through its centre; report the "
        + pick(r, QUANTITIES) + " of the final image as a reduced fraction $\\frac{p}{q}$ with $p + q < " + (100 + r.nextInt(9000)) + "$.";
  }

  /**
   * A reasoning trace of about {@code targetTokens} Qwen tokens (estimated while writing), ending
   * with the answer; paragraphs of 3 to 6 sentences.
   */
  static String trace(SplittableRandom r, int targetTokens, String answer) {
    StringBuilder t = new StringBuilder(targetTokens * 4);
    String opening = "Let me work through this carefully.\n\n";
    t.append(opening);
    int tokens = ESTIMATE.count(opening);
    int inParagraph = 0;
    int paragraphLength = 3 + r.nextInt(4);
    StringBuilder s = new StringBuilder(200);
    while (tokens < targetTokens) {
      s.setLength(0);
      traceSentence(s, r);
      t.append(s);
      tokens += ESTIMATE.count(s.toString());
      if (++inParagraph == paragraphLength) {
        t.append("\n\n");
        inParagraph = 0;
        paragraphLength = 3 + r.nextInt(4);
      } else {
        t.append(' ');
      }
    }
    t.append("\n\nSo the answer is $\\boxed{").append(answer).append("}$.");
    return t.toString();
  }

  private static void traceSentence(StringBuilder s, SplittableRandom r) {
    switch (r.nextInt(10)) {
      case 0 -> s.append(pick(r, HEDGES)).append(" the ").append(pick(r, QUANTITIES)).append(" should be $").append(r.nextInt(10000))
          .append("$ if the ").append(pick(r, OBJECTS)).append(" is ").append(pick(r, ADJECTIVES)).append('.');
      case 1 -> s.append("We have $").append(expression(r)).append(" = ").append(r.nextInt(2000) - 1000).append("$, so $")
          .append(var(r)).append(" = \\frac{").append(1 + r.nextInt(200)).append("}{").append(1 + r.nextInt(60)).append("}$.");
      case 2 -> s.append(pick(r, HEDGES)).append(" let me check the case $n = ").append(r.nextInt(50)).append("$: it gives ")
          .append(r.nextInt(100000)).append(", which ").append(pick(r, new String[] {"matches", "contradicts", "suggests", "supports"}))
          .append(" the ").append(pick(r, QUANTITIES)).append('.');
      case 3 -> s.append("Substituting $").append(var(r)).append(" = ").append(r.nextInt(300)).append("$ into $")
          .append(expression(r)).append("$ yields $").append(r.nextInt(100000)).append("$.");
      case 4 -> s.append("By the ").append(pick(r, new String[] {"triangle inequality", "pigeonhole principle", "AM-GM inequality",
          "Cauchy-Schwarz inequality", "Chinese remainder theorem", "binomial theorem", "law of cosines", "Vieta formulas"}))
          .append(", the ").append(pick(r, QUANTITIES)).append(" is at most $").append(r.nextInt(5000)).append("$.");
      case 5 -> s.append(pick(r, HEDGES)).append(" I think the ").append(pick(r, ADJECTIVES)).append(' ').append(pick(r, OBJECTS))
          .append(" case needs ").append(2 + r.nextInt(30)).append(" more steps.");
      case 6 -> s.append("$$\\sum_{k=").append(r.nextInt(3)).append("}^{").append(2 + r.nextInt(98)).append("} ")
          .append(expression(r)).append(" = ").append(r.nextInt(1000000)).append("$$");
      case 7 -> s.append("Multiplying out gives $").append(1 + r.nextInt(99)).append(var(r)).append("^2 ")
          .append(r.nextBoolean() ? "+ " : "- ").append(1 + r.nextInt(999)).append(var(r)).append(" + ").append(r.nextInt(9999))
          .append("$, and the discriminant is $").append(r.nextInt(100000) - 50000).append("$.");
      case 8 -> s.append("So far: ").append(r.nextInt(1000)).append(" ").append(pick(r, OBJECTS)).append("s, ")
          .append(r.nextInt(1000)).append(' ').append(pick(r, ADJECTIVES)).append(" ones, total ").append(r.nextInt(100000)).append('.');
      default -> s.append(pick(r, HEDGES)).append(" modulo ").append(2 + r.nextInt(97)).append(" the ")
          .append(pick(r, QUANTITIES)).append(" is ").append(r.nextInt(97)).append(", consistent with step ").append(1 + r.nextInt(200))
          .append('.');
    }
  }

  private static String expression(SplittableRandom r) {
    String v = var(r);
    return switch (r.nextInt(6)) {
      case 0 -> v + "^{" + (2 + r.nextInt(9)) + "} + " + (1 + r.nextInt(99)) + v;
      case 1 -> "\\frac{" + v + " + " + (1 + r.nextInt(20)) + "}{" + v + " - " + (1 + r.nextInt(20)) + "}";
      case 2 -> "\\sqrt{" + (2 + r.nextInt(500)) + " - " + v + "^2}";
      case 3 -> "\\binom{" + (5 + r.nextInt(40)) + "}{" + v + "}";
      case 4 -> "(" + v + " - " + (1 + r.nextInt(30)) + ")(" + v + " + " + (1 + r.nextInt(30)) + ")";
      default -> "\\log_{" + (2 + r.nextInt(9)) + "} (" + v + " + " + (1 + r.nextInt(99)) + ")";
    };
  }

  private static String var(SplittableRandom r) {
    return String.valueOf("abcdkmnpqrstuvwxyz".charAt(r.nextInt(18)));
  }

  private static String capital(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  /** Whitespace-separated words so far. */
  static int words(CharSequence s) {
    int words = 0;
    boolean in = false;
    for (int i = 0; i < s.length(); i++) {
      boolean space = Character.isWhitespace(s.charAt(i));
      if (!space && !in) {
        words++;
      }
      in = !space;
    }
    return words;
  }
}
