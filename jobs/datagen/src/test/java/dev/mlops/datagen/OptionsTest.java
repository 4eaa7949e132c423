package dev.mlops.datagen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OptionsTest {

    private static final LocalDate D1 = LocalDate.of(2024, 3, 1);
    private static final LocalDate D2 = LocalDate.of(2024, 3, 10);

    @Test
    void parsesTheStringForms() {
        assertThat(Drift.parse("demand_shift@2024-03-01")).isEqualTo(new Drift(DriftKind.DEMAND_SHIFT, D1));
        assertThat(Drift.parse("SPEED_MPH@2024-03-10")).isEqualTo(new Drift(DriftKind.SPEED_MPH, D2));
        assertThat(BadDay.parse("2024-03-05:malformed"))
                .isEqualTo(new BadDay(LocalDate.of(2024, 3, 5), BadDataKind.MALFORMED));
        assertThat(BadDay.parse("2024-03-05:missing_column").kind()).isEqualTo(BadDataKind.MISSING_COLUMN);
        assertThat(BadDay.parse("2024-03-05:type_change").kind()).isEqualTo(BadDataKind.TYPE_CHANGE);
        assertThat(ModelKind.fromName("zone_demand")).isEqualTo(ModelKind.ZONE_DEMAND);
        assertThat(ModelKind.fromName("trip_risk")).isEqualTo(ModelKind.TRIP_RISK);
        assertThat(DriftKind.fromName("speed_mph")).isEqualTo(DriftKind.SPEED_MPH);
        assertThat(BadDataKind.fromName("type_change")).isEqualTo(BadDataKind.TYPE_CHANGE);
        assertThat(Drift.parse("demand_shift@2024-03-01").toString()).isEqualTo("demand_shift@2024-03-01");
        assertThat(BadDay.parse("2024-03-05:malformed").toString()).isEqualTo("2024-03-05:malformed");
    }

    @Test
    void driftParseErrorsNameTheTextAndTheForm() {
        assertThatThrownBy(() -> Drift.parse("foo@2024-01-01"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bad --drift 'foo@2024-01-01': expected KIND@YYYY-MM-DD with KIND one of demand_shift, speed_mph");
        assertThatThrownBy(() -> Drift.parse("speed_mph@2024-13-01"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'speed_mph@2024-13-01'").hasMessageContaining("KIND@YYYY-MM-DD");
        assertThatThrownBy(() -> Drift.parse("speed_mph"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'speed_mph'");
        assertThatThrownBy(() -> Drift.parse("speed_mph@2024-03-01@x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'speed_mph@2024-03-01@x'");
    }

    @Test
    void badDayParseErrorsNameTheTextAndTheForm() {
        assertThatThrownBy(() -> BadDay.parse("2024-03-05:garbage"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bad --bad-day '2024-03-05:garbage': expected YYYY-MM-DD:KIND with KIND one of "
                        + "malformed, missing_column, type_change, out_of_range, few_out_of_range");
        assertThatThrownBy(() -> BadDay.parse("05.03.2024:malformed"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'05.03.2024:malformed'").hasMessageContaining("YYYY-MM-DD:KIND");
        assertThatThrownBy(() -> BadDay.parse("malformed"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'malformed'");
    }

    @Test
    void enumParseErrorsNameTheTextAndTheChoices() {
        assertThatThrownBy(() -> ModelKind.fromName("demand"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bad model 'demand': expected one of zone_demand, trip_risk");
        assertThatThrownBy(() -> DriftKind.fromName("kph"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'kph'")
                .hasMessageContaining("demand_shift, speed_mph");
        assertThatThrownBy(() -> BadDataKind.fromName("broken"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'broken'")
                .hasMessageContaining("malformed, missing_column, type_change, out_of_range");
    }

    @Test
    void optionsValidateTheirValues() {
        Set<ModelKind> all = EnumSet.allOf(ModelKind.class);
        assertThatThrownBy(() -> new GeneratorOptions(D2, D1, all, 1, 1.0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2024-03-10").hasMessageContaining("2024-03-01");
        assertThatThrownBy(() -> new GeneratorOptions(D1, D2, all, 1, 0.0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scale 0.0");
        assertThatThrownBy(() -> new GeneratorOptions(D1, D2, all, 1, -2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scale -2.0");
        assertThatThrownBy(() -> new GeneratorOptions(D1, D2, all, 1, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scale NaN");
        assertThatThrownBy(() -> new GeneratorOptions(D1, D2, Set.of(), 1, 1.0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("models []");
        assertThatThrownBy(() -> new GeneratorOptions(null, D2, all, 1, 1.0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("from");
        assertThatThrownBy(() -> new GeneratorOptions(D1, null, all, 1, 1.0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("to");
        assertThatThrownBy(() -> new GeneratorOptions(D1, D2, all, 1, 1.0, null, List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("drifts");
        assertThatThrownBy(() -> new GeneratorOptions(D1, D2, all, 1, 1.0, List.of(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad days");
    }

    @Test
    void optionsAreImmutableAndOrdered() {
        GeneratorOptions o = new GeneratorOptions(D1, D1, EnumSet.of(ModelKind.TRIP_RISK, ModelKind.ZONE_DEMAND), 1, 1.0,
                new java.util.ArrayList<>(List.of(Drift.parse("speed_mph@2024-03-01"))), List.of());
        assertThat(o.models()).containsExactly(ModelKind.ZONE_DEMAND, ModelKind.TRIP_RISK);
        assertThatThrownBy(() -> o.drifts().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThat(o.driftActive(DriftKind.SPEED_MPH, D1)).isTrue();
        assertThat(o.driftActive(DriftKind.SPEED_MPH, D1.minusDays(1))).isFalse();
        assertThat(o.driftActive(DriftKind.DEMAND_SHIFT, D1)).isFalse();
    }
}
