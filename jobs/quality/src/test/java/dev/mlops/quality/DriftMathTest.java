package dev.mlops.quality;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The drift statistics against known distributions and SciPy's values.
 *
 * <p>The SciPy reference values were computed once with Debian's python3-scipy 1.10.1 (numpy 1.24.2):
 * {@code scipy.stats.kstwo.sf(x, n)}, {@code scipy.stats.ks_2samp(a, b, method='asymp')} and
 * {@code scipy.spatial.distance.jensenshannon(p, q, base=2)}, on the samples built below (deterministic
 * quantile grids, so Java and Python build the same numbers). The "restricted" values apply the same
 * {@code kstwo.sf(d, round(n1 n2 / (n1 + n2)))} to the statistic taken at the reference's decile edges
 * (computed in Python exactly as {@link #profile} does here).
 */
class DriftMathTest {
    /** {@code scipy.stats.kstwo.sf(x, n)}, one per branch of SciPy's _kolmogn (the comment names it). */
    static final Object[][] KSTWO = {
        {5, 0.05, 1.0},                            // n x <= 0.5
        {5, 0.15, 0.9988},                         // Ruben-Gambino, n <= 140
        {300, 0.003, 1.0},                         // Ruben-Gambino with n > 140 (Stirling): 1 - 2e-158
        {10, 0.95, 1.9531250000000172e-13},        // n x >= n - 1
        {20, 0.6, 2.0483011649719853e-07},         // x >= 0.5: 2 smirnov
        {100, 0.05, 0.9532159710635725},           // n <= 140, n x^2 <= 0.754693: Durbin
        {100, 0.15, 0.019839242125641813},         // n <= 140, n x^2 <= 4: Pomeranz in SciPy, Durbin here
        {100, 0.25, 5.408871776434847e-06},        // n <= 140, else: 2 smirnov
        {1000, 0.01, 0.9999496745370611},          // n x^1.5 <= 1.4: Durbin
        {1000, 0.03, 0.3226902143914636},          // Pelz-Good
        {1000, 0.05, 0.013012074781090332},        // n x^2 >= 2.2: 2 smirnov
        {5000, 0.02, 0.03613941395325637},         // Pelz-Good
        {50000, 0.0009, 0.999999999999086},        // Durbin with a large n (k = 45)
        {50000, 0.004, 0.3994316646755731},        // Pelz-Good
        {200000, 0.002, 0.39995085369038097},      // n > 100000: Pelz-Good
        {200000, 0.004, 0.003314212822560255},     // n x^2 >= 2.2: 2 smirnov over 200000 terms
        {857, 0.0457, 0.05405461642342679},        // 2 smirnov
        {2000, 0.001, 1.0},                        // Durbin, k = 2
        {64, 0.12, 0.2915087624011887},            // n <= 140, Pomeranz in SciPy
    };

    @Test
    void kolmogorovSurvivalMatchesScipysKstwo() {
        for (Object[] c : KSTWO) {
            long n = ((Number) c[0]).longValue();
            double x = (double) c[1];
            double expected = (double) c[2];
            double got = Kolmogorov.sf(n, x);
            assertThat(got).as("kstwo.sf(%s, %d)", x, n).isCloseTo(expected, within(Math.max(1e-12, 1e-9 * expected)));
        }
        // the limiting distribution is the large-n limit: Q(sqrt(n) d)
        assertThat(Kolmogorov.limitingSf(Math.sqrt(200000) * 0.002)).isCloseTo(0.39995085369038097, within(2e-3));
    }

    static double[] exponential(int n, double scale) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = scale * -Math.log(1 - (i + 0.5) / n);
        }
        return v;
    }

    static double[] uniformPow(int n, double power) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = Math.pow((i + 0.5) / n, power);
        }
        return v;
    }

    static double[] ints(int from, int to) {
        double[] v = new double[to - from + 1];
        for (int i = from; i <= to; i++) {
            v[i - from] = i;
        }
        return v;
    }

    /** The reference profile's bins of a sample, as train's Profile builds them (in doubles): inner decile edges, deduplicated. */
    static ReferenceProfile.Column profile(double[] values) {
        double[] p = values.clone();
        java.util.Arrays.sort(p);
        int n = p.length;
        List<Double> edges = new ArrayList<>();
        for (int d = 1; d < 10; d++) {
            double e = p[Math.min(n - 1, (int) Math.floor(d * (n - 1) / 10.0))];
            if (edges.isEmpty() || e > edges.get(edges.size() - 1)) {
                edges.add(e);
            }
        }
        double[] counts = new double[edges.size() + 1];
        for (double x : p) {
            int b = 0;
            while (b < edges.size() && x > edges.get(b)) {
                b++;
            }
            counts[b]++;
        }
        return new ReferenceProfile.Column(n, 0.0, p[0], p[n - 1], null, edges.stream().mapToDouble(Double::doubleValue).toArray(), counts);
    }

    /** The current sample's bins on the reference's edges, and the KS statistic at the reference's points. */
    static DriftMath.Ks restricted(ReferenceProfile.Column ref, double[] current) {
        double[] bins = bins(ref.edges(), current);
        double below = 0;
        double atMost = 0;
        for (double x : current) {
            below += x < ref.min() ? 1 : 0;
            atMost += x <= ref.max() ? 1 : 0;
        }
        return DriftMath.ks(ref.counts(), bins, below, atMost);
    }

    static double[] bins(double[] edges, double[] values) {
        double[] bins = new double[edges.length + 1];
        for (double x : values) {
            int b = 0;
            while (b < edges.length && x > edges[b]) {
                b++;
            }
            bins[b]++;
        }
        return bins;
    }

    /** ks_2samp(a, b, method='asymp') and the restricted statistic with its p-value, from SciPy. */
    record Case(String name, double[] a, double[] b, double statistic, double pValue, double restricted, double restrictedP) {
    }

    static List<Case> cases() {
        return List.of(
                new Case("exponential vs scaled by 1.1", exponential(2000, 1), exponential(1500, 1.1), 0.03550000000000009, 0.2249091154184777,
                        0.03466666666666662, 0.24863842305157913),
                new Case("uniform vs power 1.3", uniformPow(1000, 1), uniformPow(800, 1.3), 0.09725, 0.00041647114609330143,
                        0.09500000000000003, 0.0006132916609083944),
                new Case("uniform vs power 1.05", uniformPow(1000, 1), uniformPow(800, 1.05), 0.019000000000000017, 0.9962993389196747,
                        0.017500000000000016, 0.9989060255255132),
                new Case("1..100 vs 51..150", ints(1, 100), ints(51, 150), 0.5, 4.392853499119748e-12, 0.5, 4.392853499119748e-12));
    }

    @Test
    void twoSampleKsMatchesScipysAsymptoticMethod() {
        for (Case c : cases()) {
            double d = DriftMath.ksStatistic(c.a(), c.b());
            assertThat(d).as(c.name()).isCloseTo(c.statistic(), within(1e-12));
            assertThat(Kolmogorov.twoSamplePValue(d, c.a().length, c.b().length)).as(c.name()).isCloseTo(c.pValue(), within(1e-9 * c.pValue() + 1e-15));
        }
    }

    @Test
    void theProfileBasedKsIsTheStatisticAtTheReferenceEdgesWithScipysPValue() {
        for (Case c : cases()) {
            DriftMath.Ks ks = restricted(profile(c.a()), c.b());
            assertThat(ks.statistic()).as(c.name()).isCloseTo(c.restricted(), within(1e-12));
            assertThat(ks.pValue()).as(c.name()).isCloseTo(c.restrictedP(), within(1e-9 * c.restrictedP() + 1e-15));
            assertThat(ks.n1()).isEqualTo(c.a().length);
            assertThat(ks.n2()).isEqualTo(c.b().length);
            // never more than the full statistic, and here within one decile's worth of resolution of it
            assertThat(ks.statistic()).isLessThanOrEqualTo(c.statistic() + 1e-12);
            assertThat(c.statistic() - ks.statistic()).isLessThan(0.01);
            // the same verdict at the spec's 1% level
            assertThat(ks.pValue() < 0.01).as(c.name()).isEqualTo(c.pValue() < 0.01);
        }
    }

    @Test
    void psiAndJensenShannonOfAShiftedUniform() {
        // reference 1..100: decile edges 10, 20, ..., 90, ten rows in each bin; current 51..150: nothing up to 50, ten rows in
        // each of the bins up to 90, sixty above
        ReferenceProfile.Column ref = profile(ints(1, 100));
        assertThat(ref.edges()).containsExactly(10, 20, 30, 40, 50, 60, 70, 80, 90);
        double[] cur = bins(ref.edges(), ints(51, 150));
        assertThat(cur).containsExactly(0, 0, 0, 0, 0, 10, 10, 10, 10, 60);
        // PSI = 5 (1e-4 - 0.1) ln(1e-4 / 0.1) + 4 * 0 + (0.6 - 0.1) ln(0.6 / 0.1): empty bins floored at 1e-4
        assertThat(DriftMath.psi(ref.counts(), cur)).isCloseTo(5 * (1e-4 - 0.1) * Math.log(1e-4 / 0.1) + 0.5 * Math.log(6), within(1e-12));
        // jensenshannon([10]*10, [0,0,0,0,0,10,10,10,10,60], base=2) = 0.626828945962282 (SciPy); by hand:
        // M = [.05]*5 + [.1]*4 + [.35]; KL(P|M) = .5 ln 2 + .1 ln(.1/.35); KL(Q|M) = .6 ln(.6/.35); sqrt(mean / ln 2)
        double byHand = Math.sqrt((0.5 * (0.5 * Math.log(2) + 0.1 * Math.log(0.1 / 0.35)) + 0.5 * 0.6 * Math.log(0.6 / 0.35)) / Math.log(2));
        assertThat(DriftMath.jensenShannon(ref.counts(), cur)).isCloseTo(0.626828945962282, within(1e-12)).isCloseTo(byHand, within(1e-12));
        assertThat(DriftMath.psi(ref.counts(), ref.counts())).isZero();
        assertThat(DriftMath.jensenShannon(ref.counts(), ref.counts())).isZero();
    }

    @Test
    void jensenShannonDistanceMatchesScipy() {
        assertThat(DriftMath.jensenShannon(new double[] {1, 0}, new double[] {0, 1})).isCloseTo(1.0, within(1e-12));
        assertThat(DriftMath.jensenShannon(new double[] {0.5, 0.5}, new double[] {1, 0})).isCloseTo(0.5579230452841438, within(1e-12));
        assertThat(DriftMath.jensenShannon(new double[] {0.2, 0.3, 0.5}, new double[] {0.3, 0.3, 0.4})).isCloseTo(0.10619851439230635, within(1e-12));
        // counts or shares: the same
        assertThat(DriftMath.jensenShannon(new double[] {2, 3, 5}, new double[] {30, 30, 40})).isCloseTo(0.10619851439230635, within(1e-12));
        assertThat(DriftMath.jensenShannon(new double[] {0, 0}, new double[] {1, 1})).isNaN();
    }

    @Test
    void ndcgOfAttributionRankings() {
        Map<String, Double> ref = new LinkedHashMap<>();
        ref.put("a", 0.5);
        ref.put("b", 0.3);
        ref.put("c", 0.2);
        double ideal = 0.5 + 0.3 / log2(3) + 0.2 / 2;
        // the same order, other magnitudes: 1
        assertThat(DriftMath.ndcg(ref, Map.of("a", 9.0, "b", 2.0, "c", 1.0))).isCloseTo(1.0, within(1e-12));
        // a and c swap: gains in the current order 0.2, 0.3, 0.5
        assertThat(DriftMath.ndcg(ref, Map.of("a", 1.0, "b", 2.0, "c", 3.0))).isCloseTo((0.2 + 0.3 / log2(3) + 0.5 / 2) / ideal, within(1e-12));
        // a and b tie for first: they share the average gain over positions 1 and 2 (sklearn's ndcg_score)
        assertThat(DriftMath.ndcg(ref, Map.of("a", 1.0, "b", 1.0, "c", 0.0)))
                .isCloseTo(((0.5 + 0.3) / 2 * (1 + 1 / log2(3)) + 0.2 / 2) / ideal, within(1e-12));
        assertThat(DriftMath.ranking(Map.of("a", 1.0, "b", 2.0, "c", 3.0))).containsExactly("c", "b", "a");
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
