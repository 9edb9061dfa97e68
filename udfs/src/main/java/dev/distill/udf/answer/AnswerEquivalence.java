package dev.distill.udf.answer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Decides whether a predicted final answer means the same as a reference answer: exact for
 * integers and fractions, within a small tolerance for decimals, structurally for tuples,
 * intervals, sets and matrices, and by evaluation at fixed random points for expressions.
 */
public final class AnswerEquivalence {

    private static final double RELATIVE_TOLERANCE = 1e-6;
    private static final double ABSOLUTE_TOLERANCE = 1e-9;
    private static final int MAX_LENGTH = 2000;
    private static final int MAX_NESTING = 8;

    private static final int POINTS = 6;
    private static final int MAX_VARIABLES = 12;
    /** Evaluation points shared by every comparison, drawn once from a fixed seed so results are reproducible. */
    private static final double[][] SAMPLE_POINTS = samplePoints();

    private AnswerEquivalence() {
    }

    /** True when {@code predicted} and {@code reference} denote the same answer; never throws, false on any doubt. */
    public static boolean equivalent(String predicted, String reference) {
        if (predicted == null || reference == null) {
            return false;
        }
        try {
            String p = predicted.trim();
            String r = reference.trim();
            if (p.isEmpty() || r.isEmpty() || p.length() > MAX_LENGTH || r.length() > MAX_LENGTH) {
                return false;
            }
            if (p.equals(r)) {
                return true;
            }
            String referenceLetter = ReferenceKind.letterOf(r, true);
            if (referenceLetter != null) {
                String predictedLetter = ReferenceKind.letterOf(p, false);
                return referenceLetter.equals(predictedLetter);
            }
            String np = AnswerNormalizer.normalize(p, true);
            String nr = AnswerNormalizer.normalize(r, true);
            if (np.isEmpty() || nr.isEmpty()) {
                return false;
            }
            return same(np, nr, 0) && sameUnits(p, np, r, nr);
        } catch (RuntimeException | StackOverflowError e) {
            return false;
        }
    }

    /**
     * Units are dropped before comparing, so that "5 cm" matches a bare "5"; but when both answers
     * name a unit, the units must agree: "5 m" is not "5 cm". Plurals and spacing do not count.
     */
    private static boolean sameUnits(String p, String np, String r, String nr) {
        String up = unit(p, np);
        String ur = unit(r, nr);
        return up == null || ur == null || up.equals(ur);
    }

    /** The unit that normalization stripped from an answer, in a canonical spelling, or null when it had none. */
    private static String unit(String raw, String stripped) {
        String kept = AnswerNormalizer.normalize(raw, false);
        if (kept.length() <= stripped.length() || !kept.startsWith(stripped)) {
            return null;
        }
        String u = kept.substring(stripped.length()).toLowerCase(java.util.Locale.ROOT).replace("\\", "")
                .replace("{", "").replace("}", "").replace(" ", "");
        if (u.endsWith("ches") || u.endsWith("shes") || u.endsWith("sses") || u.endsWith("xes")) {
            u = u.substring(0, u.length() - 2);
        } else if (u.endsWith("s") && !u.endsWith("ss") && u.length() > 2) {
            u = u.substring(0, u.length() - 1);
        }
        return u.isEmpty() ? null : u;
    }

    /** Compares two normalized answers. */
    private static boolean same(String a, String b, int nesting) {
        if (a.equals(b)) {
            return true;
        }
        if (nesting > MAX_NESTING) {
            return false;
        }
        if (isWord(a) && isWord(b)) {
            return a.equalsIgnoreCase(b);
        }
        List<String> unionA = Latex.splitTopLevel(a, "\\cup");
        List<String> unionB = Latex.splitTopLevel(b, "\\cup");
        if (unionA.size() > 1 || unionB.size() > 1) {
            return unionA.size() == unionB.size() && sameInOrder(unionA, unionB, nesting);
        }
        if (isMatrix(a) || isMatrix(b)) {
            return sameMatrix(a, b, nesting);
        }
        List<String> setA = unorderedItems(a);
        List<String> setB = unorderedItems(b);
        if (setA != null || setB != null) {
            if (setA == null) {
                setA = plusMinusItems(a);
            }
            if (setB == null) {
                setB = plusMinusItems(b);
            }
            return setA != null && setB != null && sameUnordered(setA, setB, nesting);
        }
        Bracketed tupleA = Bracketed.of(a);
        Bracketed tupleB = Bracketed.of(b);
        if (tupleA != null || tupleB != null) {
            return tupleA != null && tupleB != null && tupleA.open == tupleB.open && tupleA.close == tupleB.close
                    && tupleA.items.size() == tupleB.items.size() && sameInOrder(tupleA.items, tupleB.items, nesting);
        }
        List<String> equationA = Latex.splitTopLevel(a, '=');
        List<String> equationB = Latex.splitTopLevel(b, '=');
        if (equationA.size() == 2 && equationB.size() == 2) {
            return (same(equationA.get(0), equationB.get(0), nesting + 1) && same(equationA.get(1), equationB.get(1), nesting + 1))
                    || (same(equationA.get(0), equationB.get(1), nesting + 1) && same(equationA.get(1), equationB.get(0), nesting + 1));
        }
        if (equationA.size() != equationB.size()) {
            return false;
        }
        if (a.contains("\\pm") || b.contains("\\pm")) {
            List<String> pmA = plusMinusItems(a);
            List<String> pmB = plusMinusItems(b);
            return pmA != null && pmB != null && sameUnordered(pmA, pmB, nesting);
        }
        return sameValue(a, b);
    }

    /** Text such as "Monday" or "no solution"; two letters could still be a product like "ab". */
    private static boolean isWord(String s) {
        if (s.length() < 3) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!Character.isLetter(c) && c != ' ' && c != '-' && c != '\'') {
                return false;
            }
        }
        return true;
    }

    private static boolean sameInOrder(List<String> a, List<String> b, int nesting) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!same(a.get(i).trim(), b.get(i).trim(), nesting + 1)) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameUnordered(List<String> a, List<String> b, int nesting) {
        if (a.size() != b.size() || a.size() > 64) {
            return false;
        }
        boolean[] used = new boolean[b.size()];
        for (String x : a) {
            boolean found = false;
            for (int j = 0; j < b.size() && !found; j++) {
                if (!used[j] && same(x.trim(), b.get(j).trim(), nesting + 1)) {
                    used[j] = true;
                    found = true;
                }
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    /**
     * Items of an answer whose order does not matter: a set {@code \{1,2\}} or a bare list
     * {@code 1,2} (as in "enter all solutions, separated by commas"); null for anything else.
     */
    private static List<String> unorderedItems(String s) {
        String inner = s;
        boolean set = false;
        if (s.startsWith("\\{") && s.endsWith("\\}") && s.length() >= 4) {
            inner = s.substring(2, s.length() - 2);
            set = true;
        }
        List<String> items = Latex.splitTopLevel(inner, ',');
        if (!set && items.size() < 2) {
            return null;
        }
        if (!set && Bracketed.of(s) != null) {
            return null;
        }
        List<String> expanded = new ArrayList<>();
        for (String item : items) {
            List<String> pm = item.contains("\\pm") ? plusMinusItems(item) : null;
            if (pm != null) {
                expanded.addAll(pm);
            } else {
                expanded.add(AnswerNormalizer.stripAssignment(item.trim()));
            }
        }
        return expanded;
    }

    /** {@code a\pm b} as the two items {@code a+b} and {@code a-b}; a plain value as itself; null when ambiguous. */
    private static List<String> plusMinusItems(String s) {
        int at = s.indexOf("\\pm");
        if (at < 0) {
            return List.of(s);
        }
        if (s.indexOf("\\pm", at + 3) >= 0) {
            return null;
        }
        String head = s.substring(0, at);
        String tail = s.substring(at + 3);
        if (tail.isEmpty()) {
            return null;
        }
        String first = head.isEmpty() ? tail : head + "+(" + tail + ")";
        String second = head.isEmpty() ? "-(" + tail + ")" : head + "-(" + tail + ")";
        return List.of(first, second);
    }

    private static boolean isMatrix(String s) {
        return s.startsWith("\\begin{pmatrix}") || s.startsWith("\\begin{bmatrix}") || s.startsWith("\\begin{matrix}");
    }

    private static boolean sameMatrix(String a, String b, int nesting) {
        List<List<String>> ma = matrixCells(a);
        List<List<String>> mb = matrixCells(b);
        if (ma == null || mb == null || ma.size() != mb.size()) {
            return false;
        }
        for (int i = 0; i < ma.size(); i++) {
            if (!sameInOrder(ma.get(i), mb.get(i), nesting)) {
                return false;
            }
        }
        return true;
    }

    private static List<List<String>> matrixCells(String s) {
        int begin = s.indexOf('}');
        int end = s.lastIndexOf("\\end{");
        if (!isMatrix(s) || begin < 0 || end < begin || !s.substring(end).matches("\\\\end\\{[pb]?matrix\\}")) {
            return null;
        }
        String body = s.substring(begin + 1, end);
        List<List<String>> rows = new ArrayList<>();
        for (String row : body.split("\\\\\\\\")) {
            if (row.isBlank()) {
                continue;
            }
            List<String> cells = new ArrayList<>();
            for (String cell : row.split("&", -1)) {
                cells.add(cell.trim());
            }
            rows.add(cells);
        }
        return rows;
    }

    /** Numeric or symbolic comparison of two scalar answers; percentages may match either reading. */
    private static boolean sameValue(String a, String b) {
        boolean percentA = a.endsWith("%");
        boolean percentB = b.endsWith("%");
        String ea = percentA ? a.substring(0, a.length() - 1) : a;
        String eb = percentB ? b.substring(0, b.length() - 1) : b;
        Map<String, Integer> variables = new HashMap<>();
        Expr x;
        Expr y;
        try {
            x = ExpressionParser.parse(ea, variables);
            y = ExpressionParser.parse(eb, variables);
        } catch (ExpressionParser.ParseFailure e) {
            return (percentA || percentB) && ea.equals(eb);
        }
        if (variables.size() > MAX_VARIABLES) {
            return false;
        }
        if (variables.isEmpty()) {
            if (sameConstant(x, y)) {
                return true;
            }
            if (percentA != percentB) {
                Expr hundredths = percentA ? x : y;
                Expr other = percentA ? y : x;
                return close(hundredths.eval(SAMPLE_POINTS[0]) / 100, other.eval(SAMPLE_POINTS[0]));
            }
            return false;
        }
        if (percentA || percentB) {
            return false;
        }
        return sameFunction(x, y);
    }

    private static boolean sameConstant(Expr x, Expr y) {
        Rational rx = x.exactValue();
        Rational ry = y.exactValue();
        if (rx != null && ry != null) {
            return rx.equals(ry);
        }
        return close(x.eval(SAMPLE_POINTS[0]), y.eval(SAMPLE_POINTS[0]));
    }

    /** Expressions in variables agree when they agree at every sample point where both are defined (at least three). */
    private static boolean sameFunction(Expr x, Expr y) {
        int defined = 0;
        for (double[] point : SAMPLE_POINTS) {
            double vx = x.eval(point);
            double vy = y.eval(point);
            boolean fx = Double.isFinite(vx);
            boolean fy = Double.isFinite(vy);
            if (!fx && !fy) {
                continue;
            }
            if (fx != fy || !close(vx, vy)) {
                return false;
            }
            defined++;
        }
        return defined >= 3;
    }

    static boolean close(double a, double b) {
        // Infinity from 1/0 must not match anything; a written \infty only matches itself textually.
        if (!Double.isFinite(a) || !Double.isFinite(b)) {
            return false;
        }
        if (a == b) {
            return true;
        }
        double diff = Math.abs(a - b);
        return diff <= ABSOLUTE_TOLERANCE || diff <= RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
    }

    private static double[][] samplePoints() {
        Random random = new Random(0x5EED_2025L);
        double[][] points = new double[POINTS][MAX_VARIABLES];
        for (double[] point : points) {
            for (int v = 0; v < MAX_VARIABLES; v++) {
                // Positive and away from 0 and 1, so roots and logs are defined and x^2 differs from x.
                point[v] = 1.3 + 1.9 * random.nextDouble();
            }
        }
        return points;
    }

    /** A bracketed, comma-separated answer such as a tuple {@code (1,2)} or an interval {@code [0,1)}. */
    private static final class Bracketed {
        final char open;
        final char close;
        final List<String> items;

        private Bracketed(char open, char close, List<String> items) {
            this.open = open;
            this.close = close;
            this.items = items;
        }

        static Bracketed of(String s) {
            if (s.length() < 3) {
                return null;
            }
            char open = s.charAt(0);
            char close = s.charAt(s.length() - 1);
            if ((open != '(' && open != '[') || (close != ')' && close != ']')) {
                return null;
            }
            String inner = s.substring(1, s.length() - 1);
            if (!Latex.balanced(inner)) {
                return null;
            }
            List<String> items = Latex.splitTopLevel(inner, ',');
            if (items.size() < 2) {
                return null;
            }
            return new Bracketed(open, close, items);
        }
    }
}
