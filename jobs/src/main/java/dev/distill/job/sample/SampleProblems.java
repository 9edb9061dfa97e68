package dev.distill.job.sample;

import java.math.BigInteger;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded generators of small, verifiable problems across several domains, each with a subject, a
 * worked solution and an exact answer. A random preamble keeps questions of one template from
 * sharing long n-grams.
 */
final class SampleProblems {

  record Problem(String subject, String cotType, String question, String solution, String answer, int level) {}

  private static final List<String> NAMES = List.of("Ada", "Bela", "Chen", "Dana", "Emeka", "Farah", "Goran", "Hana", "Ivo",
      "Jun", "Kiri", "Lena", "Mateo", "Noor", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Vera", "Wen", "Ximena",
      "Yusuf", "Zara");
  private static final List<String> PLACES = List.of("in the library", "at the market", "on a train", "before an olympiad",
      "at summer camp", "on a rainy day", "in the lab", "while hiking", "at chess club", "during a contest", "at night",
      "at the museum", "in the garden", "at the harbour", "at the fair", "in a workshop");
  private static final List<String> OPENERS = List.of("ponders a question", "writes a problem", "finds an exam",
      "hears a riddle", "reads a note", "sets a challenge", "meets an exercise", "prepares a quiz");

  /** A varied opening sentence; the note number keeps long word runs from repeating across problems. */
  static String preamble(SplittableRandom r) {
    return NAMES.get(r.nextInt(NAMES.size())) + " " + OPENERS.get(r.nextInt(OPENERS.size())) + " "
        + PLACES.get(r.nextInt(PLACES.size())) + " (note " + (100 + r.nextInt(900)) + ").";
  }

  private static String pick(SplittableRandom r, String... options) {
    return options[r.nextInt(options.length)];
  }

  /**
   * A pool problem. Constant runs of template words stay shorter than 8 words (random word
   * choices and numbers in between), so unrelated problems do not share the 8-grams that
   * decontamination and cross-source overlap look for.
   */
  static Problem generate(int kind, SplittableRandom r) {
    String pre = preamble(r);
    return switch (kind % 10) {
      case 0 -> powerRemainder(pre, r);
      case 1 -> committeeCount(pre, r);
      case 2 -> linearEquation(pre, r);
      case 3 -> squaredHypotenuse(pre, r);
      case 4 -> allSixes(pre, r);
      case 5 -> powerDerivative(pre, r);
      case 6 -> determinant2x2(pre, r);
      case 7 -> freeFallDistance(pre, r);
      case 8 -> heatingWater(pre, r);
      default -> arithmeticSum(pre, r);
    };
  }

  private static Problem powerRemainder(String pre, SplittableRandom r) {
    int a = 2 + r.nextInt(40);
    int b = 2 + r.nextInt(60);
    int m = 3 + r.nextInt(50);
    long ans = modPow(a, b, m);
    return new Problem("Number Theory", "math", pre + " " + pick(r, "Find", "Compute", "Determine", "Work out")
        + " the remainder " + pick(r, "when", "left when", "obtained when") + " $" + a + "^{" + b + "}$ is "
        + pick(r, "divided by", "reduced modulo", "split by") + " $" + m + "$.",
        "Reduce the base modulo " + m + " and use repeated squaring; the remainder is $\\boxed{" + ans + "}$.", String.valueOf(ans),
        1 + (b + m) % 5);
  }

  private static Problem committeeCount(String pre, SplittableRandom r) {
    int n = 5 + r.nextInt(20);
    int k = 1 + r.nextInt(Math.min(6, n - 1));
    long ans = choose(n, k);
    return new Problem("Counting & Probability", "math", pre + " In how many ways can a " + pick(r, "committee", "team", "panel", "crew")
        + " of " + k + " " + pick(r, "people", "members", "students", "players") + " be " + pick(r, "chosen", "picked", "formed")
        + " from " + n + " " + pick(r, "people", "candidates", "volunteers") + "?",
        "This is $\\binom{" + n + "}{" + k + "} = \\boxed{" + ans + "}$.", String.valueOf(ans), 1 + k % 5);
  }

  private static Problem linearEquation(String pre, SplittableRandom r) {
    int a = 2 + r.nextInt(12);
    int b = r.nextInt(50) - 25;
    int c = r.nextInt(80) - 40;
    String ans = fraction(c - b, a);
    return new Problem("Algebra", "math", pre + " " + pick(r, "Solve for $x$:", "Find $x$ if", "Which $x$ satisfies") + " $" + a + "x "
        + (b < 0 ? "- " + (-b) : "+ " + b) + " = " + c + "$?",
        "Subtract and divide by " + a + ": $x = \\boxed{" + ans + "}$.", ans, 1 + Math.abs(b) % 5);
  }

  private static Problem squaredHypotenuse(String pre, SplittableRandom r) {
    int p = 1 + r.nextInt(12);
    int q = 1 + r.nextInt(12);
    int ans = p * p + q * q;
    return new Problem("Geometry", "math", pre + " A right triangle has legs " + p + " and " + q + " " + pick(r, "units", "cm", "inches")
        + ". " + pick(r, "What is", "Find", "Give") + " the " + pick(r, "square of the", "squared") + " hypotenuse?",
        "By Pythagoras the square is $" + p + "^2+" + q + "^2=\\boxed{" + ans + "}$.", String.valueOf(ans), 1 + (p + q) % 5);
  }

  private static Problem allSixes(String pre, SplittableRandom r) {
    int n = 1 + r.nextInt(4);
    long d = (long) Math.pow(6, n);
    return new Problem("Probability", "math", pre + " A fair " + pick(r, "die", "six-sided die", "cube die") + " is "
        + pick(r, "rolled", "thrown", "tossed") + " " + n + " times. " + pick(r, "What is the probability", "How likely is it", "Find the chance")
        + " that " + pick(r, "every roll", "each throw", "all of them") + " " + pick(r, "shows", "lands on") + " a six?",
        "Each roll is independent: $\\boxed{\\frac{1}{" + d + "}}$.", "\\frac{1}{" + d + "}", 1 + n);
  }

  private static Problem powerDerivative(String pre, SplittableRandom r) {
    int n = 2 + r.nextInt(7);
    int a = 1 + r.nextInt(5);
    long ans = (long) n * (long) Math.pow(a, n - 1);
    return new Problem("Calculus", "math", pre + " Let $f(x) = x^{" + n + "}$. " + pick(r, "Compute", "Evaluate", "Find") + " $f'(" + a + ")$.",
        "$f'(x) = " + n + "x^{" + (n - 1) + "}$, so $f'(" + a + ") = \\boxed{" + ans + "}$.", String.valueOf(ans), 1 + n % 5);
  }

  private static Problem determinant2x2(String pre, SplittableRandom r) {
    int a = r.nextInt(19) - 9;
    int b = r.nextInt(19) - 9;
    int c = r.nextInt(19) - 9;
    int e = r.nextInt(19) - 9;
    int ans = a * e - b * c;
    return new Problem("Linear Algebra", "math", pre + " " + pick(r, "Compute", "Find", "Evaluate") + " the determinant of $\\begin{pmatrix} "
        + a + " & " + b + " \\\\ " + c + " & " + e + " \\end{pmatrix}$.", "The determinant is $" + a + "\\cdot" + e + " - " + b
        + "\\cdot" + c + " = \\boxed{" + ans + "}$.", String.valueOf(ans), 1 + Math.abs(ans) % 5);
  }

  private static Problem freeFallDistance(String pre, SplittableRandom r) {
    int t = 1 + r.nextInt(9);
    int ans = 5 * t * t;
    return new Problem("Mechanics", "science", pre + " A " + pick(r, "stone", "ball", "coin", "key") + " is dropped and "
        + pick(r, "falls freely", "falls", "drops") + " for " + t + " " + pick(r, "seconds", "s") + ". With $g = 10$, "
        + pick(r, "how far", "how many meters") + " does it " + pick(r, "fall", "travel") + "?",
        "$h = \\frac{1}{2} g t^2 = \\boxed{" + ans + "}$ m.", String.valueOf(ans), 1 + t % 5);
  }

  private static Problem heatingWater(String pre, SplittableRandom r) {
    int m = 1 + r.nextInt(9);
    int dt = 5 + r.nextInt(40);
    int ans = m * 4 * dt;
    return new Problem("Thermodynamics", "science", pre + " " + pick(r, "How much heat", "How many kJ") + " "
        + pick(r, "warms", "heats") + " " + m + " kg of " + pick(r, "water", "liquid") + " by " + dt + " K "
        + pick(r, "if", "when", "given that") + " $c = 4$ kJ/(kg K)?", "$Q = m c \\Delta T = \\boxed{" + ans + "}$ kJ.",
        String.valueOf(ans), 1 + dt % 5);
  }

  private static Problem arithmeticSum(String pre, SplittableRandom r) {
    int a = 1 + r.nextInt(20);
    int d = 1 + r.nextInt(9);
    int n = 5 + r.nextInt(40);
    long ans = (long) n * (2L * a + (long) (n - 1) * d) / 2;
    return new Problem("Sequences and Series", "math", pre + " An arithmetic " + pick(r, "sequence", "progression") + " starts at " + a
        + " with " + pick(r, "difference", "step", "common difference") + " " + d + ". " + pick(r, "What is", "Find", "Compute")
        + " the sum of " + pick(r, "its first", "the first") + " " + n + " terms?", "The sum is $\\frac{" + n + "}{2}(2\\cdot" + a
        + "+" + (n - 1) + "\\cdot" + d + ") = \\boxed{" + ans + "}$.", String.valueOf(ans), 1 + n % 5);
  }

  /** An eval-set problem: wording no pool template uses, so only copied items overlap. */
  static Problem evalProblem(int i, SplittableRandom r) {
    int a = 100 + r.nextInt(900);
    int b = 10 + r.nextInt(90);
    switch (i % 3) {
      case 0:
        return new Problem("Number Theory", "math", "Benchmark item " + i + ": the greatest common divisor of " + a + " and " + b
            + " is asked for; give it as a single integer.", "", String.valueOf(BigInteger.valueOf(a).gcd(BigInteger.valueOf(b))), 3);
      case 1:
        return new Problem("Algebra", "math", "Benchmark item " + i + ": simplify $\\frac{" + a + "}{" + b
            + "}$ completely and state the reduced fraction as your final answer.", "", fraction(a, b), 3);
      default:
        return new Problem("Geometry", "math", "Benchmark item " + i + ": a square with side " + b
            + " has one corner cut away as a unit square; what area remains in the end?", "", String.valueOf(b * b - 1), 3);
    }
  }

  static long modPow(long base, long exp, long mod) {
    long result = 1 % mod;
    long b = base % mod;
    long e = exp;
    while (e > 0) {
      if ((e & 1) == 1) {
        result = result * b % mod;
      }
      b = b * b % mod;
      e >>= 1;
    }
    return result;
  }

  static long choose(int n, int k) {
    long c = 1;
    for (int i = 1; i <= k; i++) {
      c = c * (n - k + i) / i;
    }
    return c;
  }

  static String fraction(int num, int den) {
    int g = gcd(Math.abs(num), Math.abs(den));
    num /= g;
    den /= g;
    if (den < 0) {
      num = -num;
      den = -den;
    }
    if (den == 1) {
      return String.valueOf(num);
    }
    return (num < 0 ? "-" : "") + "\\frac{" + Math.abs(num) + "}{" + den + "}";
  }

  private static int gcd(int a, int b) {
    return b == 0 ? Math.max(a, 1) : gcd(b, a % b);
  }

  private SampleProblems() {}
}
