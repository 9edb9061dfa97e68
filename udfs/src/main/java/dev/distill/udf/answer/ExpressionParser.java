package dev.distill.udf.answer;

import java.util.Map;
import java.util.Set;

/**
 * Recursive-descent parser for the arithmetic found in final answers: + - * / ^, implicit
 * multiplication ({@code 2x}, {@code 3\sqrt{2}}), parentheses, {@code \frac}, {@code \sqrt},
 * {@code \pi}, {@code e}, common functions and single-letter variables. It only builds a tree;
 * nothing is ever executed beyond the arithmetic itself.
 */
final class ExpressionParser {

    private static final int MAX_DEPTH = 60;
    private static final int MAX_LENGTH = 400;

    private static final Set<String> GREEK = Set.of(
            "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta",
            "iota", "kappa", "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon", "phi", "varphi",
            "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Sigma", "Phi", "Psi", "Omega");

    private static final Set<String> FUNCTIONS = Set.of(
            "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
            "ln", "log", "exp", "sqrt");

    /** Plain-word function names tried longest first, so "arcsin" is not read as "a r c sin". */
    private static final String[] WORD_FUNCTIONS = {
        "arcsin", "arccos", "arctan", "sqrt", "sinh", "cosh", "tanh", "sin", "cos", "tan", "sec", "csc", "cot",
        "log", "exp", "ln"
    };

    /** Thrown on any parse problem; stackless because failing to parse text answers is routine. */
    static final class ParseFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final ParseFailure INSTANCE = new ParseFailure();

        private ParseFailure() {
            super("not an expression", null, false, false);
        }
    }

    private final String s;
    private final Map<String, Integer> variables;
    private int pos;
    private int depth;

    private ExpressionParser(String s, Map<String, Integer> variables) {
        this.s = s;
        this.variables = variables;
    }

    /**
     * Parses a normalized answer; variable names are added to {@code variables} with fresh indices.
     * Throws {@link ParseFailure} when the text is not an expression.
     */
    static Expr parse(String text, Map<String, Integer> variables) {
        if (text == null || text.isEmpty() || text.length() > MAX_LENGTH) {
            throw ParseFailure.INSTANCE;
        }
        ExpressionParser p = new ExpressionParser(text, variables);
        Expr e = p.parseExpression();
        p.skipSpaces();
        if (p.pos != text.length()) {
            throw ParseFailure.INSTANCE;
        }
        return e;
    }

    static boolean isGreekLetter(String name) {
        return GREEK.contains(name);
    }

    private Expr parseExpression() {
        enter();
        Expr left = parseTerm();
        while (true) {
            skipSpaces();
            if (peek('+')) {
                pos++;
                left = Expr.binary(Expr.Op.ADD, left, parseTerm());
            } else if (peek('-')) {
                pos++;
                left = Expr.binary(Expr.Op.SUBTRACT, left, parseTerm());
            } else {
                break;
            }
        }
        depth--;
        return left;
    }

    private Expr parseTerm() {
        Expr left = parseUnary();
        boolean single = true;
        while (true) {
            skipSpaces();
            if (peek('*')) {
                pos++;
                left = Expr.binary(Expr.Op.MULTIPLY, left, parseUnary());
            } else if (peek('/')) {
                pos++;
                left = Expr.binary(Expr.Op.DIVIDE, left, parseUnary());
            } else if (command("\\cdot") || command("\\times") || command("\\ast")) {
                left = Expr.binary(Expr.Op.MULTIPLY, left, parseUnary());
            } else if (command("\\div")) {
                left = Expr.binary(Expr.Op.DIVIDE, left, parseUnary());
            } else if (canStartFactor()) {
                boolean fraction = s.startsWith("\\frac", pos);
                Expr right = parsePower();
                if (single && fraction && isMixedNumber(left, right)) {
                    left = mixedNumber(left, right);
                } else {
                    left = Expr.binary(Expr.Op.MULTIPLY, left, right);
                }
            } else {
                break;
            }
            single = false;
        }
        return left;
    }

    /** {@code 2\frac{1}{2}} is two and a half, not one: an integer directly followed by a numeric fraction. */
    private static boolean isMixedNumber(Expr whole, Expr fraction) {
        boolean integer = whole.isIntegerLiteral()
                || (whole.op == Expr.Op.NEGATE && whole.left.isIntegerLiteral());
        return integer && fraction.op == Expr.Op.DIVIDE
                && fraction.left.isIntegerLiteral() && fraction.right.isIntegerLiteral();
    }

    private static Expr mixedNumber(Expr whole, Expr fraction) {
        if (whole.op == Expr.Op.NEGATE) {
            return Expr.unary(Expr.Op.NEGATE, Expr.binary(Expr.Op.ADD, whole.left, fraction));
        }
        return Expr.binary(Expr.Op.ADD, whole, fraction);
    }

    private Expr parseUnary() {
        enter();
        skipSpaces();
        Expr result;
        if (peek('-')) {
            pos++;
            result = Expr.unary(Expr.Op.NEGATE, parseUnary());
        } else if (peek('+')) {
            pos++;
            result = parseUnary();
        } else {
            result = parsePower();
        }
        depth--;
        return result;
    }

    private Expr parsePower() {
        Expr base = parsePostfix();
        skipSpaces();
        if (peek('^')) {
            pos++;
            Expr exponent = parseExponent();
            base = Expr.binary(Expr.Op.POWER, base, exponent);
            skipSpaces();
            while (peek('!')) {
                pos++;
                base = Expr.unary(Expr.Op.FACTORIAL, base);
            }
        }
        return base;
    }

    private Expr parseExponent() {
        enter();
        skipSpaces();
        Expr e;
        if (peek('{')) {
            e = group('{', '}');
        } else if (peek('(')) {
            e = group('(', ')');
        } else if (peek('-')) {
            pos++;
            e = Expr.unary(Expr.Op.NEGATE, parseExponent());
        } else {
            e = parsePrimary();
        }
        depth--;
        return e;
    }

    private Expr parsePostfix() {
        Expr e = parsePrimary();
        while (pos < s.length() && s.charAt(pos) == '!') {
            pos++;
            e = Expr.unary(Expr.Op.FACTORIAL, e);
        }
        return e;
    }

    private Expr parsePrimary() {
        enter();
        skipSpaces();
        if (pos >= s.length()) {
            throw ParseFailure.INSTANCE;
        }
        char c = s.charAt(pos);
        Expr result;
        if (Character.isDigit(c) || c == '.') {
            result = parseNumber();
        } else if (c == '(') {
            result = group('(', ')');
        } else if (c == '{') {
            result = group('{', '}');
        } else if (c == '[') {
            result = group('[', ']');
        } else if (c == '|') {
            pos++;
            Expr inner = parseExpression();
            expect('|');
            result = Expr.function("abs", inner, null);
        } else if (c == '\\') {
            result = parseCommand();
        } else if (isAsciiLetter(c)) {
            result = parseWord();
        } else {
            throw ParseFailure.INSTANCE;
        }
        depth--;
        return result;
    }

    private Expr parseNumber() {
        int start = pos;
        while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
            pos++;
        }
        if (pos < s.length() && s.charAt(pos) == '.') {
            pos++;
            while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                pos++;
            }
        }
        if (pos == start || (pos == start + 1 && s.charAt(start) == '.')) {
            throw ParseFailure.INSTANCE;
        }
        // Scientific notation only when digits follow the 'e'; "2e" alone is 2 times e.
        if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
            int k = pos + 1;
            if (k < s.length() && (s.charAt(k) == '+' || s.charAt(k) == '-')) {
                k++;
            }
            int digits = k;
            while (k < s.length() && Character.isDigit(s.charAt(k))) {
                k++;
            }
            if (k > digits) {
                pos = k;
            }
        }
        return Expr.number(s.substring(start, pos));
    }

    private Expr parseWord() {
        for (String name : WORD_FUNCTIONS) {
            if (s.startsWith(name, pos)) {
                pos += name.length();
                return parseFunction(name);
            }
        }
        int run = pos;
        while (run < s.length() && isAsciiLetter(s.charAt(run))) {
            run++;
        }
        // Three or more letters in a row are a word ("odd", "none"), not a product of variables.
        if (run - pos >= 3) {
            throw ParseFailure.INSTANCE;
        }
        char c = s.charAt(pos);
        pos++;
        if (c == 'e' && !peek('_')) {
            return Expr.constant(Math.E);
        }
        return variable(String.valueOf(c) + subscript());
    }

    private String subscript() {
        if (!peek('_')) {
            return "";
        }
        pos++;
        if (peek('{')) {
            int close = Latex.matchingBrace(s, pos);
            if (close < 0 || close - pos > 8) {
                throw ParseFailure.INSTANCE;
            }
            String sub = s.substring(pos + 1, close);
            pos = close + 1;
            return "_" + sub;
        }
        if (pos < s.length() && Character.isLetterOrDigit(s.charAt(pos))) {
            pos++;
            return "_" + s.charAt(pos - 1);
        }
        throw ParseFailure.INSTANCE;
    }

    private Expr variable(String name) {
        Integer index = variables.get(name);
        if (index == null) {
            index = variables.size();
            variables.put(name, index);
        }
        return Expr.variable(index);
    }

    private Expr parseCommand() {
        int start = pos + 1;
        int end = start;
        while (end < s.length() && Character.isLetter(s.charAt(end))) {
            end++;
        }
        if (end == start) {
            throw ParseFailure.INSTANCE;
        }
        String name = s.substring(start, end);
        pos = end;
        switch (name) {
            case "frac": {
                Expr numerator = argument();
                Expr denominator = argument();
                return Expr.binary(Expr.Op.DIVIDE, numerator, denominator);
            }
            case "binom": {
                Expr n = argument();
                Expr k = argument();
                return Expr.binary(Expr.Op.BINOMIAL, n, k);
            }
            case "sqrt": {
                skipSpaces();
                if (peek('[')) {
                    Expr index = group('[', ']');
                    Expr radicand = argument();
                    return Expr.function("root", radicand, index);
                }
                return Expr.function("sqrt", argument(), null);
            }
            case "pi":
                return Expr.constant(Math.PI);
            case "infty":
            case "infin":
                return Expr.constant(Double.POSITIVE_INFINITY);
            case "lfloor": {
                Expr inner = parseExpression();
                expectCommand("\\rfloor");
                return Expr.function("floor", inner, null);
            }
            case "lceil": {
                Expr inner = parseExpression();
                expectCommand("\\rceil");
                return Expr.function("ceil", inner, null);
            }
            default:
                break;
        }
        if (FUNCTIONS.contains(name)) {
            return parseFunction(name);
        }
        if (GREEK.contains(name)) {
            return variable("\\" + name + subscript());
        }
        throw ParseFailure.INSTANCE;
    }

    private Expr parseFunction(String name) {
        if (name.equals("sqrt")) {
            return Expr.function("sqrt", argument(), null);
        }
        Expr base = null;
        if (name.equals("log") && peek('_')) {
            pos++;
            base = argument();
        }
        skipSpaces();
        Expr power = null;
        if (peek('^')) {
            pos++;
            power = parseExponent();
        }
        skipSpaces();
        Expr argument;
        if (peek('(')) {
            argument = group('(', ')');
        } else if (peek('{')) {
            argument = group('{', '}');
        } else {
            argument = parsePower();
        }
        Expr applied = Expr.function(name, argument, base);
        return power == null ? applied : Expr.binary(Expr.Op.POWER, applied, power);
    }

    /** A LaTeX argument: a braced group, or a single digit, letter or command; {@code \\sqrt(2)} also takes a parenthesised one. */
    private Expr argument() {
        skipSpaces();
        if (peek('{')) {
            return group('{', '}');
        }
        if (peek('(')) {
            return group('(', ')');
        }
        if (pos < s.length() && Character.isDigit(s.charAt(pos))) {
            pos++;
            return Expr.number(s.substring(pos - 1, pos));
        }
        if (pos < s.length() && isAsciiLetter(s.charAt(pos))) {
            char c = s.charAt(pos);
            pos++;
            return c == 'e' ? Expr.constant(Math.E) : variable(String.valueOf(c));
        }
        if (peek('\\')) {
            return parseCommand();
        }
        throw ParseFailure.INSTANCE;
    }

    private Expr group(char open, char close) {
        expect(open);
        Expr inner = parseExpression();
        skipSpaces();
        expect(close);
        return inner;
    }

    private boolean canStartFactor() {
        if (pos >= s.length()) {
            return false;
        }
        char c = s.charAt(pos);
        if (Character.isDigit(c) || c == '.' || c == '(' || c == '{' || c == '[' || isAsciiLetter(c)) {
            return true;
        }
        if (c != '\\') {
            return false;
        }
        int end = pos + 1;
        while (end < s.length() && Character.isLetter(s.charAt(end))) {
            end++;
        }
        String name = s.substring(pos + 1, end);
        return name.equals("frac") || name.equals("sqrt") || name.equals("pi") || name.equals("binom")
                || name.equals("infty") || name.equals("lfloor") || name.equals("lceil")
                || FUNCTIONS.contains(name) || GREEK.contains(name);
    }

    private boolean command(String name) {
        skipSpaces();
        if (s.startsWith(name, pos) && Latex.commandAt(s, pos, name)) {
            pos += name.length();
            return true;
        }
        return false;
    }

    private void expectCommand(String name) {
        if (!command(name)) {
            throw ParseFailure.INSTANCE;
        }
    }

    private boolean peek(char c) {
        return pos < s.length() && s.charAt(pos) == c;
    }

    private void expect(char c) {
        skipSpaces();
        if (!peek(c)) {
            throw ParseFailure.INSTANCE;
        }
        pos++;
    }

    private void skipSpaces() {
        while (pos < s.length() && s.charAt(pos) == ' ') {
            pos++;
        }
    }

    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw ParseFailure.INSTANCE;
        }
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
