package dev.mlops.transform;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import org.junit.jupiter.api.Test;

/** Transform job names without SageMaker. */
class SageMakerTransformerTest {
    @Test
    void aLongModelNameKeepsItsStartAndTheVersionDateInstanceAndAttempt() {
        String model = "regional_zone_demand_forecast_with_weather_and_holiday_calendar"; // 63 characters, the specs' longest
        String name = SageMakerTransformer.jobName(model, 12, LocalDate.of(2026, 11, 21), 987654321L, 2);
        assertThat(name.length()).isLessThanOrEqualTo(63);
        assertThat(name).matches("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}");
        assertThat(name).startsWith("regional-zone-demand").endsWith("-v12-20261121-987654321-2");
        assertThat(SageMakerTransformer.jobName("zone_demand", 3, LocalDate.of(2026, 11, 21), 5, 1)).isEqualTo("zone-demand-v3-20261121-5-1");
    }
}
