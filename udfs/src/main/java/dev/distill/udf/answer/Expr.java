package dev.distill.udf.answer;

import java.math.BigInteger;

/** A parsed arithmetic expression tree; evaluates in floating point at given variable values, or exactly when rational. */
final class Expr {

    enum Op { NUMBER, VARIABLE, CONSTANT, NEGATE, ADD, SUBTRACT, MULTIPLY, DIVIDE, POWER, FUNCTION, FACTORIAL, BINOMIAL }

    final Op op;
    final Expr left;
    final Expr right;
    /** Number value, constant value, or unused. */
    final double value;
    /** Exact value of an integer literal, else null. */
    final Rational exact;
    /** Variable index, or function name for FUNCTION. */
    final int variable;
    final String function;

    private Expr(Op op, Expr left, Expr right, double value, Rational exact, int variable, String function) {
        this.op = op;
        this.left = left;
        this.right = right;
        this.value = value;
        this.exact = exact;
        this.variable = variable;
        this.function = function;
    }

    static Expr number(String literal) {
        double v = Double.parseDouble(literal);
        Rational r = null;
        if (isDigits(literal)) {
            r = Rational.of(new BigInteger(literal));
        }
        return new Expr(Op.NUMBER, null, null, v, r, -1, null);
    }

    static Expr constant(double v) {
        return new Expr(Op.CONSTANT, null, null, v, null, -1, null);
    }

    static Expr variable(int index) {
        return new Expr(Op.VARIABLE, null, null, 0, null, index, null);
    }

    static Expr unary(Op op, Expr operand) {
        return new Expr(op, operand, null, 0, null, -1, null);
    }

    static Expr binary(Op op, Expr a, Expr b) {
        return new Expr(op, a, b, 0, null, -1, null);
    }

    static Expr function(String name, Expr argument, Expr base) {
        return new Expr(Op.FUNCTION, argument, base, 0, null, -1, name);
    }

    /** True for a plain integer literal, used to recognise mixed numbers such as {@code 2\frac{1}{2}}. */
    boolean isIntegerLiteral() {
        return op == Op.NUMBER && exact != null;
    }

    double eval(double[] vars) {
        switch (op) {
            case NUMBER:
            case CONSTANT:
                return value;
            case VARIABLE:
                return vars[variable];
            case NEGATE:
                return -left.eval(vars);
            case ADD:
                return left.eval(vars) + right.eval(vars);
            case SUBTRACT:
                return left.eval(vars) - right.eval(vars);
            case MULTIPLY:
                return left.eval(vars) * right.eval(vars);
            case DIVIDE:
                return left.eval(vars) / right.eval(vars);
            case POWER:
                return power(left.eval(vars), right.eval(vars));
            case FACTORIAL:
                return factorial(left.eval(vars));
            case BINOMIAL:
                return binomial(left.eval(vars), right.eval(vars));
            case FUNCTION:
                return applyFunction(vars);
            default:
                return Double.NaN;
        }
    }

    private static double power(double base, double exponent) {
        if (base < 0 && exponent != Math.rint(exponent)) {
            // Odd roots of negatives, as in (-8)^{1/3}, are real.
            double inverse = 1 / exponent;
            if (Math.abs(inverse - Math.rint(inverse)) < 1e-9 && ((long) Math.rint(inverse)) % 2 != 0) {
                return -Math.pow(-base, exponent);
            }
        }
        return Math.pow(base, exponent);
    }

    private double applyFunction(double[] vars) {
        double x = left.eval(vars);
        switch (function) {
            case "sqrt":
                return Math.sqrt(x);
            case "root":
                return power(x, 1 / right.eval(vars));
            case "sin":
                return Math.sin(x);
            case "cos":
                return Math.cos(x);
            case "tan":
                return Math.tan(x);
            case "sec":
                return 1 / Math.cos(x);
            case "csc":
                return 1 / Math.sin(x);
            case "cot":
                return 1 / Math.tan(x);
            case "arcsin":
                return Math.asin(x);
            case "arccos":
                return Math.acos(x);
            case "arctan":
                return Math.atan(x);
            case "sinh":
                return Math.sinh(x);
            case "cosh":
                return Math.cosh(x);
            case "tanh":
                return Math.tanh(x);
            case "ln":
                return Math.log(x);
            case "log":
                return right == null ? Math.log10(x) : Math.log(x) / Math.log(right.eval(vars));
            case "exp":
                return Math.exp(x);
            case "abs":
                return Math.abs(x);
            case "floor":
                return Math.floor(x);
            case "ceil":
                return Math.ceil(x);
            default:
                return Double.NaN;
        }
    }

    private static double factorial(double n) {
        if (n < 0 || n != Math.rint(n) || n > 170) {
            return Double.NaN;
        }
        double f = 1;
        for (int i = 2; i <= (int) n; i++) {
            f *= i;
        }
        return f;
    }

    private static double binomial(double n, double k) {
        if (n != Math.rint(n) || k != Math.rint(k) || k < 0 || n < 0 || k > n || n > 1000) {
            return Double.NaN;
        }
        double r = 1;
        for (int i = 1; i <= (int) k; i++) {
            r = r * (n - k + i) / i;
        }
        return Math.rint(r);
    }

    /** The exact value when the tree is built from integers with + - * / and small integer powers, else null. */
    Rational exactValue() {
        switch (op) {
            case NUMBER:
                return exact;
            case NEGATE: {
                Rational a = left.exactValue();
                return a == null ? null : a.negate();
            }
            case ADD:
            case SUBTRACT:
            case MULTIPLY:
            case DIVIDE:
            case POWER: {
                Rational a = left.exactValue();
                if (a == null) {
                    return null;
                }
                Rational b = right.exactValue();
                if (b == null) {
                    return null;
                }
                switch (op) {
                    case ADD:
                        return a.add(b);
                    case SUBTRACT:
                        return a.subtract(b);
                    case MULTIPLY:
                        return a.multiply(b);
                    case DIVIDE:
                        return a.divide(b);
                    default:
                        return a.pow(b);
                }
            }
            case FACTORIAL: {
                Rational a = left.exactValue();
                if (a == null || !a.isInteger() || a.num.signum() < 0 || a.num.bitLength() > 8) {
                    return null;
                }
                BigInteger f = BigInteger.ONE;
                for (int i = 2; i <= a.num.intValue(); i++) {
                    f = f.multiply(BigInteger.valueOf(i));
                }
                return Rational.of(f);
            }
            default:
                return null;
        }
    }

    private static boolean isDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
