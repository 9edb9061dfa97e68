package dev.distill.udf.answer;

import java.math.BigInteger;

/** An exact fraction in lowest terms with a positive denominator; operations return null instead of overflowing sizes. */
final class Rational {

    /** Results bigger than this many bits are abandoned in favour of floating point. */
    private static final int MAX_BITS = 4096;

    static final Rational ZERO = new Rational(BigInteger.ZERO, BigInteger.ONE);
    static final Rational ONE = new Rational(BigInteger.ONE, BigInteger.ONE);

    final BigInteger num;
    final BigInteger den;

    private Rational(BigInteger num, BigInteger den) {
        this.num = num;
        this.den = den;
    }

    /** num/den in lowest terms, or null when den is zero or the result is too large. */
    static Rational of(BigInteger num, BigInteger den) {
        if (den.signum() == 0 || num.bitLength() > MAX_BITS || den.bitLength() > MAX_BITS) {
            return null;
        }
        if (den.signum() < 0) {
            num = num.negate();
            den = den.negate();
        }
        BigInteger g = num.gcd(den);
        if (!g.equals(BigInteger.ONE) && g.signum() != 0) {
            num = num.divide(g);
            den = den.divide(g);
        }
        return new Rational(num, den);
    }

    static Rational of(BigInteger integer) {
        return of(integer, BigInteger.ONE);
    }

    boolean isInteger() {
        return den.equals(BigInteger.ONE);
    }

    Rational add(Rational o) {
        return of(num.multiply(o.den).add(o.num.multiply(den)), den.multiply(o.den));
    }

    Rational subtract(Rational o) {
        return of(num.multiply(o.den).subtract(o.num.multiply(den)), den.multiply(o.den));
    }

    Rational multiply(Rational o) {
        return of(num.multiply(o.num), den.multiply(o.den));
    }

    Rational divide(Rational o) {
        return of(num.multiply(o.den), den.multiply(o.num));
    }

    Rational negate() {
        return new Rational(num.negate(), den);
    }

    /** This to an integer power, or null when the exponent is not a small integer or the result would be huge. */
    Rational pow(Rational exponent) {
        if (!exponent.isInteger() || exponent.num.bitLength() > 16) {
            return null;
        }
        int e = exponent.num.intValue();
        long bits = (long) Math.max(num.bitLength(), den.bitLength()) * Math.abs(e);
        if (bits > MAX_BITS) {
            return null;
        }
        if (e < 0) {
            if (num.signum() == 0) {
                return null;
            }
            return of(den.pow(-e), num.pow(-e));
        }
        return of(num.pow(e), den.pow(e));
    }

    double toDouble() {
        double n = num.doubleValue();
        double d = den.doubleValue();
        if (!Double.isInfinite(n) && !Double.isInfinite(d)) {
            return n / d;
        }
        return new java.math.BigDecimal(num).divide(new java.math.BigDecimal(den), java.math.MathContext.DECIMAL64).doubleValue();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Rational r && num.equals(r.num) && den.equals(r.den);
    }

    @Override
    public int hashCode() {
        return num.hashCode() * 31 + den.hashCode();
    }

    @Override
    public String toString() {
        return isInteger() ? num.toString() : num + "/" + den;
    }
}
