package dev.mlops.quality;

/**
 * The p-value of a two-sample Kolmogorov-Smirnov statistic as SciPy's
 * {@code ks_2samp(x, y, method='asymp')} computes it (SciPy 1.10): Smirnov's approximation of the
 * two-sample distribution by the one-sample Kolmogorov distribution of the effective size
 * {@code round(n1 n2 / (n1 + n2))}, {@code kstwo.sf(d, en)}. The survival function follows
 * SciPy's {@code scipy.stats._ksstats._kolmogn} (Simard & L'Ecuyer 2011): Ruben-Gambino's exact
 * forms at the ends, Durbin's matrix algorithm (Marsaglia, Tsang & Wang) for small {@code n d^1.5},
 * Pelz-Good's expansion for large {@code n}, and twice Smirnov's exact one-sided tail (the
 * Birnbaum-Tingey sum) for large {@code n d^2}. Where SciPy uses Pomeranz's recursion (n <= 140),
 * this uses Durbin's matrix, which is exact too.
 */
public final class Kolmogorov {
    private static final int E128 = 128;
    private static final double EP128 = Math.scalb(1.0, E128);
    private static final double EM128 = Math.scalb(1.0, -E128);
    private static final double SQRT2PI = Math.sqrt(2 * Math.PI);
    private static final double LOG_2PI = Math.log(2 * Math.PI);
    private static final double MIN_LOG = -708;
    private static final double SQRT3 = Math.sqrt(3);
    private static final double PI2 = Math.PI * Math.PI;
    private static final double PI4 = PI2 * PI2;
    private static final double PI6 = PI4 * PI2;
    private static final double[] STIRLING = {-2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3,
        8.4175084175084175084e-4, -5.952380952380952381e-4, 7.9365079365079365079e-4, -2.7777777777777777778e-3,
        8.3333333333333333333e-2};

    private Kolmogorov() {
    }

    /**
     * p-value of a two-sided two-sample KS statistic {@code d} between samples of {@code n1} and
     * {@code n2} values: {@code kstwo.sf(d, round(n1 n2 / (n1 + n2)))}; NaN without data.
     */
    public static double twoSamplePValue(double d, long n1, long n2) {
        if (n1 <= 0 || n2 <= 0 || Double.isNaN(d)) {
            return Double.NaN;
        }
        double m = Math.max(n1, n2);
        double n = Math.min(n1, n2);
        long en = Math.round(m * n / (m + n));
        return sf(Math.max(1, en), d);
    }

    /** {@code P(D_n >= x)} for the two-sided one-sample KS statistic of {@code n} values (SciPy's {@code kstwo.sf(x, n)}). */
    public static double sf(long n, double x) {
        if (n <= 0 || Double.isNaN(x)) {
            return Double.NaN;
        }
        if (x >= 1.0) {
            return 0.0;
        }
        if (x <= 0.0) {
            return 1.0;
        }
        double t = n * x;
        if (t <= 1.0) {
            if (t <= 0.5) {
                return 1.0;
            }
            double prob;
            if (n <= 140) {
                prob = 1.0;
                for (long i = 1; i <= n; i++) {
                    prob *= i * (1.0 / n) * (2 * t - 1);
                }
            } else {
                prob = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
            }
            return clip(1.0 - prob);
        }
        if (t >= n - 1) {
            return clip(2 * Math.pow(1.0 - x, n));
        }
        if (x >= 0.5) {
            return clip(2 * smirnov(n, x));
        }
        double nxSquared = t * x;
        if (n <= 140) {
            if (nxSquared <= 4) {
                return clip(1.0 - durbin(n, x));
            }
            return clip(2 * smirnov(n, x));
        }
        if (nxSquared >= 370.0) {
            return 0.0;
        }
        if (nxSquared >= 2.2) {
            return clip(2 * smirnov(n, x));
        }
        double cdf;
        if (n <= 100_000 && n * Math.pow(x, 1.5) <= 1.4) {
            cdf = durbin(n, x);
        } else {
            cdf = pelzGood(n, x);
        }
        return clip(1.0 - cdf);
    }

    /** The limiting Kolmogorov distribution's survival function {@code Q(lambda) = 2 sum (-1)^(k-1) exp(-2 k^2 lambda^2)} (for reference). */
    public static double limitingSf(double lambda) {
        if (lambda <= 0) {
            return 1.0;
        }
        if (lambda < 0.2) {
            // the alternating series converges slowly here; the value is 1 to double precision
            return 1.0;
        }
        double sum = 0;
        for (int k = 1; k <= 100; k++) {
            double term = Math.exp(-2.0 * k * k * lambda * lambda);
            sum += (k % 2 == 1 ? term : -term);
            if (term < 1e-17) {
                break;
            }
        }
        return clip(2 * sum);
    }

    /**
     * Smirnov's one-sided tail {@code P(D_n^+ >= x)}, exactly: the Birnbaum-Tingey sum
     * {@code x * sum_{j=0}^{floor(n(1-x))} C(n, j) (x + j/n)^(j-1) (1 - x - j/n)^(n-j)}, in logs.
     */
    static double smirnov(long n, double x) {
        if (x >= 1.0) {
            return 0.0;
        }
        if (x <= 0.0) {
            return 1.0;
        }
        long last = (long) Math.floor(n * (1 - x));
        double logC = 0; // log C(n, j), updated incrementally
        double sum = 0;
        for (long j = 0; j <= last; j++) {
            if (j > 0) {
                logC += Math.log((double) (n - j + 1)) - Math.log((double) j);
            }
            double a = x + (double) j / n;
            double b = 1 - x - (double) j / n;
            double logTerm;
            if (b <= 0) {
                if (n - j != 0) {
                    continue;
                }
                logTerm = logC + (j - 1) * Math.log(a);
            } else {
                logTerm = logC + (j - 1) * Math.log(a) + (n - j) * Math.log(b);
            }
            sum += Math.exp(logTerm);
        }
        return Math.min(1.0, Math.max(0.0, x * sum));
    }

    /** {@code log(n! / n^n)} by Stirling's series with {@code n log n} taken out (SciPy's {@code _log_nfactorial_div_n_pow_n}). */
    static double logFactorialOverPower(long n) {
        double rn = 1.0 / n;
        double poly = 0;
        double z = rn / n;
        for (double c : STIRLING) {
            poly = poly * z + c;
        }
        return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * poly;
    }

    /**
     * {@code P(D_n <= d)} by Durbin's matrix algorithm as Marsaglia, Tsang and Wang evaluate it
     * (SciPy's {@code _kolmogn_DMTW}): {@code n!/n^n} times an entry of {@code H^n}, scaled by
     * powers of 2^128 to stay in range.
     */
    static double durbin(long n, double d) {
        if (d >= 1.0) {
            return 1.0;
        }
        double nd = n * d;
        if (nd <= 0.5) {
            return 0.0;
        }
        int k = (int) Math.ceil(nd);
        double h = k - nd;
        int m = 2 * k - 1;
        double[][] hm = new double[m][m];
        double[] v = new double[m];
        double[] w = new double[m];
        double fac = 1.0;
        for (int j = 1; j <= m; j++) {
            v[j - 1] = 1.0 - Math.pow(h, j);
            w[j - 1] = fac;
            fac /= j;
            v[j - 1] *= fac;
        }
        double tt = Math.pow(Math.max(2 * h - 1.0, 0), m) - 2 * Math.pow(h, m);
        v[m - 1] = (1.0 + tt) * fac;
        for (int i = 1; i < m; i++) {
            for (int r = i - 1; r < m; r++) {
                hm[r][i] = w[r - (i - 1)];
            }
        }
        for (int r = 0; r < m; r++) {
            hm[r][0] = v[r];
        }
        for (int c = 0; c < m; c++) {
            hm[m - 1][c] = v[m - 1 - c];
        }
        double[][] pwr = identity(m);
        long nn = n;
        long expnt = 0;
        long hExpnt = 0;
        while (nn > 0) {
            if (nn % 2 == 1) {
                pwr = multiply(pwr, hm);
                expnt += hExpnt;
            }
            hm = multiply(hm, hm);
            hExpnt *= 2;
            if (Math.abs(hm[k - 1][k - 1]) > EP128) {
                scale(hm, EM128);
                hExpnt += E128;
            }
            nn /= 2;
        }
        double p = pwr[k - 1][k - 1];
        for (long i = 1; i <= n; i++) {
            p = i * p / n;
            if (Math.abs(p) < EM128) {
                p *= EP128;
                expnt -= E128;
            }
        }
        if (expnt != 0) {
            p = ldexp(p, expnt);
        }
        return clip(p);
    }

    /** Pelz and Good's approximation of {@code P(D_n <= x)} (SciPy's {@code _kolmogn_PelzGood}). */
    static double pelzGood(long n, double x) {
        if (x <= 0.0) {
            return 0.0;
        }
        if (x >= 1.0) {
            return 1.0;
        }
        double z = Math.sqrt(n) * x;
        double z2 = z * z;
        double z3 = z2 * z;
        double z4 = z2 * z2;
        double z6 = z4 * z2;
        double qlog = -PI2 / 8 / z2;
        if (qlog < MIN_LOG) {
            return 0.0;
        }
        double q = Math.exp(qlog);
        double k1a = -z2;
        double k1b = PI2 / 4;
        double k2a = 6 * z6 + 2 * z4;
        double k2b = (2 * z4 - 5 * z2) * PI2 / 4;
        double k2c = PI4 * (1 - 2 * z2) / 16;
        double k3d = PI6 * (5 - 30 * z2) / 64;
        double k3c = PI4 * (-60 * z2 + 212 * z4) / 16;
        double k3b = PI2 * (135 * z4 - 96 * z6) / 4;
        double k3a = -30 * z6 - 90 * Math.pow(z, 8);
        double[] k = new double[4];
        int maxk = (int) Math.ceil(16 * z / Math.PI);
        for (int kk = maxk; kk > 0; kk--) {
            double mm = 2 * kk - 1;
            double m2 = mm * mm;
            double m4 = m2 * m2;
            double m6 = m4 * m2;
            double qpower = Math.pow(q, 8 * kk);
            double[] coeffs = {1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6};
            for (int i = 0; i < 4; i++) {
                k[i] = k[i] * qpower + coeffs[i];
            }
        }
        double[] div = {z, 6 * z4, 72 * Math.pow(z, 7), 6480 * Math.pow(z, 10)};
        for (int i = 0; i < 4; i++) {
            k[i] = k[i] * q * SQRT2PI / div[i];
        }
        double q2 = Math.exp(-PI2 / 2 / z2);
        double k2extra = 0;
        double k3extra = 0;
        double sqrt3z = SQRT3 * z;
        for (int kk = maxk; kk > 0; kk--) {
            double ks2 = (double) kk * kk;
            double qp = Math.pow(q2, ks2);
            k2extra += ks2 * qp;
            double kspi = Math.PI * kk;
            k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks2 * qp;
        }
        k[2] += k2extra * PI2 * SQRT2PI / (-36 * z3);
        k[3] += k3extra * PI2 * SQRT2PI / (216 * z6);
        double sum = 0;
        for (int i = 0; i < 4; i++) {
            sum += k[i] / Math.pow(n, i / 2.0);
        }
        return sum;
    }

    private static double[][] identity(int m) {
        double[][] out = new double[m][m];
        for (int i = 0; i < m; i++) {
            out[i][i] = 1.0;
        }
        return out;
    }

    private static double[][] multiply(double[][] a, double[][] b) {
        int m = a.length;
        double[][] out = new double[m][m];
        for (int i = 0; i < m; i++) {
            double[] oi = out[i];
            for (int l = 0; l < m; l++) {
                double ail = a[i][l];
                if (ail == 0) {
                    continue;
                }
                double[] bl = b[l];
                for (int j = 0; j < m; j++) {
                    oi[j] += ail * bl[j];
                }
            }
        }
        return out;
    }

    private static void scale(double[][] a, double f) {
        for (double[] row : a) {
            for (int j = 0; j < row.length; j++) {
                row[j] *= f;
            }
        }
    }

    /** {@code p * 2^e} for a possibly large exponent, in steps Math.scalb can take. */
    private static double ldexp(double p, long e) {
        while (e > 1000) {
            p = Math.scalb(p, 1000);
            e -= 1000;
        }
        while (e < -1000) {
            p = Math.scalb(p, -1000);
            e += 1000;
        }
        return Math.scalb(p, (int) e);
    }

    private static double clip(double p) {
        return Math.min(1.0, Math.max(0.0, p));
    }
}
