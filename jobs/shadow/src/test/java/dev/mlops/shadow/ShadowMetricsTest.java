package dev.mlops.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.mlops.core.spec.ShadowSpec;
import dev.mlops.core.spec.SpecDuration;
import dev.mlops.core.testing.TestEnvironment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The comparison metrics on crafted predictions, against values worked out by hand (see the comments). */
class ShadowMetricsTest {
    static final StructType JOINED = new StructType().add("__id", DataTypes.StringType).add("seg", DataTypes.StringType)
            .add("__p", DataTypes.DoubleType).add("__c", DataTypes.DoubleType).add("__pc", DataTypes.IntegerType).add("__cc", DataTypes.IntegerType);

    static Dataset<Row> joined(double[] p, double[] c, Integer[] pc, Integer[] cc, String[] seg) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < p.length; i++) {
            rows.add(RowFactory.create("id" + (i + 1), seg[i], p[i], c[i], pc == null ? null : pc[i], cc == null ? null : cc[i]));
        }
        return TestEnvironment.spark().createDataFrame(rows, JOINED);
    }

    static ShadowSpec spec(int topK, int bins) {
        return new ShadowSpec(SpecDuration.parse("3d"), 0.95, 0.9, new ShadowSpec.Tolerance(0.1, 0.0), topK, bins);
    }

    @Test
    void regressionMetricsMatchTheHandComputedValues() {
        double[] p = {1, 2, 3, 4, 5, 5};
        double[] c = {1.05, 2.9, 3.5, 4.0, 6.0, 3.5};
        Map<String, Double> m = ShadowMetrics.overall(joined(p, c, null, null, new String[] {"a", "a", "a", "b", "b", "b"}), false, spec(3, 2));
        assertThat(m.get("pairs")).isEqualTo(6.0);
        // within 10% of production: 1 -> 1.05 and 4 -> 4.0 only
        assertThat(m.get("agreeing")).isEqualTo(2.0);
        assertThat(m.get("agreement")).isCloseTo(1.0 / 3, within(1e-12));
        // sum((p - 10/3)(c - 3.4917)) / sqrt(sum(p - mean)^2 * sum(c - mean)^2)
        assertThat(m.get("pearson")).isCloseTo(0.8412502015358532, within(1e-9));
        // ranks p [1, 2, 3, 4, 5.5, 5.5], c [1, 2, 3.5, 5, 6, 3.5]: Pearson of the ranks
        assertThat(m.get("spearman")).isCloseTo(0.8382352941176471, within(1e-9));
        // top 3 of production {id5, id6, id4} (the tie at 5 both in), of the candidate {id5, id4, id3} (the tie at 3.5 goes to the lower id)
        assertThat(m.get("top_k_overlap")).isCloseTo(2.0 / 3, within(1e-12));
        // two bins split at production's median 3.5: production 3/6 | 3/6, candidate 4/6 | 2/6
        // PSI = (4/6 - 1/2) ln(4/3) + (2/6 - 1/2) ln(2/3)
        assertThat(m.get("psi")).isCloseTo((4.0 / 6 - 0.5) * Math.log(4.0 / 3) + (2.0 / 6 - 0.5) * Math.log(2.0 / 3), within(1e-12));
        assertThat(m.get("mean_shift")).isCloseTo(0.95 / 6, within(1e-12));
        // linear interpolation: q10 of p = 1 + 0.5 * (2 - 1) = 1.5, of c = 1.05 + 0.5 * (2.9 - 1.05) = 1.975
        assertThat(m.get("q10_shift")).isCloseTo(0.475, within(1e-12));
        assertThat(m.get("q50_shift")).isCloseTo(0.0, within(1e-12));
        assertThat(m).doesNotContainKey("production_positive_rate");

        Map<String, Map<String, Double>> seg = ShadowMetrics.bySegment(joined(p, c, null, null, new String[] {"a", "a", "a", "b", "b", "b"}),
                "seg", "part", false, spec(3, 2));
        assertThat(seg.keySet()).containsExactly("part=a", "part=b");
        assertThat(seg.get("part=a").get("agreement")).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(seg.get("part=b").get("agreeing")).isEqualTo(1.0);
        assertThat(seg.get("part=b").get("mean_shift")).isCloseTo((13.5 - 14) / 3, within(1e-12));
    }

    @Test
    void classificationAgreementIsTheSameDecisionAtTheThreshold() {
        double[] p = {0.9, 0.8, 0.2, 0.1};
        double[] c = {0.6, 0.4, 0.05, 0.3};
        Integer[] pc = {1, 1, 0, 0};
        Integer[] cc = {1, 0, 0, 0};
        Map<String, Double> m = ShadowMetrics.overall(joined(p, c, pc, cc, new String[] {"x", "x", "y", "y"}), true, spec(2, 4));
        assertThat(m.get("agreement")).isEqualTo(0.75);
        assertThat(m.get("production_positive_rate")).isEqualTo(0.5);
        assertThat(m.get("candidate_positive_rate")).isEqualTo(0.25);
        // the same order except the bottom two swap: Spearman 1 - 6 * (1 + 1) / (4 * 15) = 0.8
        assertThat(m.get("spearman")).isCloseTo(0.8, within(1e-12));
        assertThat(m.get("top_k_overlap")).isEqualTo(1.0);
    }

    @Test
    void identicalPredictionsAgreeFullyWithNoShift() {
        double[] p = {0.0, 0.5, 1.5, 3.0, 7.0};
        Map<String, Double> m = ShadowMetrics.overall(joined(p, p.clone(), null, null, new String[] {"a", "a", "a", "a", "a"}), false, spec(100, 10));
        assertThat(m.get("agreement")).isEqualTo(1.0);
        assertThat(m.get("pearson")).isCloseTo(1.0, within(1e-12));
        assertThat(m.get("psi")).isCloseTo(0.0, within(1e-12));
        assertThat(m.get("top_k_overlap")).isEqualTo(1.0);
        assertThat(m.get("mean_shift")).isEqualTo(0.0);
    }

    @Test
    void psiOfCountsFloorsEmptyBins() {
        // expected 50/50, actual 100/0: the empty bin counts as 1e-4, so the value stays finite
        double v = ShadowMetrics.psi(new double[] {50, 50}, new double[] {100, 0});
        assertThat(v).isCloseTo((1 - 0.5) * Math.log(1 / 0.5) + (1e-4 - 0.5) * Math.log(1e-4 / 0.5), within(1e-12));
    }
}
