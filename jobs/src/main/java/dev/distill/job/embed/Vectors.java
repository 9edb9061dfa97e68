package dev.distill.job.embed;

/** Float vector arithmetic for unit vectors: the cosine of two is their dot product. */
public final class Vectors {
  /** {@code v} scaled to length 1 (a copy); the zero vector stays zero. */
  public static float[] normalized(float[] v) {
    double sum = 0;
    for (float x : v) {
      sum += (double) x * x;
    }
    float[] out = new float[v.length];
    if (sum == 0) {
      return out;
    }
    double inverse = 1 / Math.sqrt(sum);
    for (int i = 0; i < v.length; i++) {
      out[i] = (float) (v[i] * inverse);
    }
    return out;
  }

  /** Dot product: the cosine of two unit vectors. */
  public static double dot(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("Cannot compare vectors of " + a.length + " and " + b.length + " dimensions (two models' vectors?)");
    }
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }

  private Vectors() {}
}
