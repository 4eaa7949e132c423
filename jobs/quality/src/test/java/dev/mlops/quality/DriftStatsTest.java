package dev.mlops.quality;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.mlops.core.json.Json;
import dev.mlops.core.spec.QualitySpec;
import dev.mlops.core.testing.TestEnvironment;
import dev.mlops.train.Matrix;
import dev.mlops.train.Profile;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The one-pass Spark aggregation against a reference profile written by train's {@link Profile}
 * (through its JSON, as the job reads it), on distributions whose statistics are known: the
 * values agree with {@link DriftMathTest}'s hand and SciPy values.
 */
class DriftStatsTest {
    static final StructType CURRENT = new StructType().add("f", DataTypes.DoubleType).add("g", DataTypes.DoubleType)
            .add("slice_part", DataTypes.StringType);

    static ReferenceProfile reference() {
        // f: 1..100; g: 1..100 with every fifth value missing (null share 0.2)
        int n = 100;
        float[] values = new float[n * 2];
        for (int i = 0; i < n; i++) {
            values[i * 2] = i + 1;
            values[i * 2 + 1] = (i % 5 == 4) ? Float.NaN : i + 1;
        }
        float[] predictions = new float[n];
        Map<String, Object> profile = Profile.of(new Matrix(values, n, 2, new float[n]), List.of("f", "g"), predictions);
        profile.put("attributions", Map.of("f", 1.0, "g", 0.5));
        return ReferenceProfile.parse(Json.write(profile));
    }

    @Test
    void oneAggregationGivesEveryStatisticOfEveryColumn() {
        ReferenceProfile ref = reference();
        assertThat(ref.rows()).isEqualTo(100);
        assertThat(ref.features().get("f").edges()).containsExactly(10, 20, 30, 40, 50, 60, 70, 80, 90);
        assertThat(ref.features().get("g").nullShare()).isEqualTo(0.2);
        assertThat(ref.attributions()).containsEntry("f", 1.0);
        // current: f = 51..150; g = the same values as the reference's but half of them missing; slices: 70 am, 20 pm, 10 unseen
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            rows.add(RowFactory.create(51.0 + i, i % 2 == 0 ? null : (double) (i + 1), i < 70 ? "am" : i < 90 ? "pm" : "dusk"));
        }
        Dataset<Row> current = TestEnvironment.spark().createDataFrame(rows, CURRENT);
        Map<String, ReferenceProfile.Column> cols = new LinkedHashMap<>();
        cols.put("f", ref.features().get("f"));
        cols.put("g", ref.features().get("g"));
        List<DriftStats.SliceReference> slices = List.of(new DriftStats.SliceReference("part", "slice_part", Map.of("am", 50L, "pm", 50L)));
        List<DriftStats.ColumnDrift> out = DriftStats.compute(current, cols, DriftStats.FEATURE, slices, QualitySpec.Drift.DEFAULT);
        assertThat(out).extracting(DriftStats.ColumnDrift::name).containsExactly("f", "g", "part");

        DriftStats.ColumnDrift f = out.get(0);
        assertThat(f.rows()).isEqualTo(100);
        assertThat(f.referenceRows()).isEqualTo(100);
        // as DriftMathTest.psiAndJensenShannonOfAShiftedUniform and SciPy's ks_2samp(1..100, 51..150, method='asymp')
        assertThat(f.psi()).isCloseTo(5 * (1e-4 - 0.1) * Math.log(1e-4 / 0.1) + 0.5 * Math.log(6), within(1e-12));
        assertThat(f.jsDistance()).isCloseTo(0.626828945962282, within(1e-12));
        assertThat(f.ksStatistic()).isCloseTo(0.5, within(1e-12));
        assertThat(f.ksPValue()).isCloseTo(4.392853499119748e-12, within(1e-20));
        assertThat(f.nullShare()).isEqualTo(0.0);
        assertThat(f.mean()).isCloseTo(100.5, within(1e-12));
        assertThat(f.referenceMean()).isCloseTo(50.5, within(1e-12));
        assertThat(f.min()).isEqualTo(51.0);
        assertThat(f.max()).isEqualTo(150.0);
        assertThat(f.drifted()).isTrue();
        assertThat(f.why()).singleElement().asString().startsWith("psi 4.3");

        DriftStats.ColumnDrift g = out.get(1);
        // the non-null values keep their distribution (the odd positions' values 2, 4, ..., 100 spread over all bins)...
        assertThat(g.psi()).isLessThan(0.05);
        // ...but half are missing instead of a fifth: drifted on the null share alone, which PSI and KS do not see
        assertThat(g.nullShare()).isEqualTo(0.5);
        assertThat(g.referenceNullShare()).isEqualTo(0.2);
        assertThat(g.nullShareDelta()).isCloseTo(0.3, within(1e-12));
        assertThat(g.drifted()).isTrue();
        assertThat(g.why()).singleElement().asString().startsWith("null share 0.2000 -> 0.5000");

        DriftStats.ColumnDrift part = out.get(2);
        assertThat(part.kind()).isEqualTo(DriftStats.SLICE);
        // reference am 50, pm 50, other 0; current am 70, pm 20, other 10
        assertThat(part.jsDistance()).isCloseTo(DriftMath.jensenShannon(new double[] {50, 50, 0}, new double[] {70, 20, 10}), within(1e-12));
        assertThat(part.drifted()).isEqualTo(part.jsDistance() > 0.1);
    }

    @Test
    void valuesAreComparedAsTheFloatsTheProfileWasBuiltFrom() {
        // 0.7f is 0.6999999881 and 0.9f 0.8999999762: the doubles 0.7 and 0.9 lie above those edges, so compared as doubles every
        // current value would move up a bin (PSI 8.5); compared as floats, as training saw them, nothing moved
        float[] values = new float[20];
        for (int i = 0; i < 20; i++) {
            values[i] = i < 10 ? 0.7f : 0.9f;
        }
        Map<String, Object> profile = Profile.of(new Matrix(values, 20, 1, new float[20]), List.of("x"), new float[20]);
        ReferenceProfile ref = ReferenceProfile.parse(Json.write(profile));
        assertThat(ref.features().get("x").edges()).containsExactly(0.7f, 0.9f);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            rows.add(RowFactory.create(i < 10 ? 0.7 : 0.9, null, "am"));
        }
        DriftStats.ColumnDrift x = DriftStats.compute(TestEnvironment.spark().createDataFrame(rows, CURRENT).withColumnRenamed("f", "x"),
                Map.of("x", ref.features().get("x")), DriftStats.FEATURE, List.of(), QualitySpec.Drift.DEFAULT).get(0);
        assertThat(x.psi()).isCloseTo(0.0, within(1e-12));
        assertThat(x.ksStatistic()).isCloseTo(0.0, within(1e-12));
        assertThat(x.drifted()).isFalse();
    }
}
