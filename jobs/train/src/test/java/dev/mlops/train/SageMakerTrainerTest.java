package dev.mlops.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlops.core.ExitCode;
import dev.mlops.core.JobException;
import java.time.LocalDate;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** SageMaker job names and the KMS key forms, without SageMaker. */
class SageMakerTrainerTest {
    static final LocalDate D = LocalDate.of(2026, 11, 21);

    @Test
    void aShortNameIsKeptWhole() {
        assertThat(SageMakerTrainer.jobName("zone_demand", D, 42, 1)).isEqualTo("zone-demand-20261121-42-1");
    }

    @Test
    void aLongModelNameIsCutAtItsEndSoTheNameKeepsTheModelPrefixTheDateInstanceAndAttempt() {
        String model = "regional_zone_demand_forecast_with_weather_and_holiday_calendar_v2"; // 66 characters
        long instance = 1234567890123L;
        String name = SageMakerTrainer.jobName(model, D, instance, 3);

        assertThat(name.length()).isLessThanOrEqualTo(63);
        assertThat(name).matches("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"); // SageMaker's TrainingJobName pattern
        // the job roles allow training-job/<first 12 characters of the SageMaker name>*
        assertThat(name).startsWith("regional-zone-demand-forecast");
        assertThat(name).endsWith("-20261121-1234567890123-3");
        // another long model sharing the start gets another name; the same model the same name
        String other = SageMakerTrainer.jobName(model.replace("_v2", "_v3"), D, instance, 3);
        assertThat(other).isNotEqualTo(name).hasSameSizeAs(name);
        assertThat(SageMakerTrainer.jobName(model, D, instance, 3)).isEqualTo(name);
        assertThat(SageMakerTrainer.jobName(model, D, instance, 4)).isNotEqualTo(name).endsWith("-4");
    }

    @Test
    void boundedNameNeverDropsTheTail() {
        String n = SageMakerTrainer.boundedName("a".repeat(80), "-tail", 30);
        assertThat(n).hasSize(30).startsWith("a".repeat(17)).endsWith("-tail");
        assertThat(SageMakerTrainer.boundedName("short", "-tail", 30)).isEqualTo("short-tail");
    }

    @Test
    void anAliasIsResolvedToItsKeyArnForTrainingVolumes() {
        String alias = "arn:aws:kms:eu-west-1:111122223333:alias/mlops-prod";
        String key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        java.util.List<String> asked = new java.util.ArrayList<>();
        SageMakerTrainer.Protection p = new SageMakerTrainer.Protection(Optional.of(alias), true).resolved(a -> {
            asked.add(a);
            return key;
        });
        assertThat(asked).containsExactly(alias);
        assertThat(p.trainingVolumeKey()).contains(key);
        assertThat(p.kmsKeyId()).contains(key);
        assertThat(p.networkIsolation()).isTrue();
        // a key ARN is not looked up; an answer that is not a key ARN is refused
        SageMakerTrainer.Protection byArn = new SageMakerTrainer.Protection(Optional.of(key), false);
        assertThat(byArn.resolved(a -> {
            throw new AssertionError("looked up " + a);
        })).isSameAs(byArn);
        assertThatThrownBy(() -> new SageMakerTrainer.Protection(Optional.of(alias), true).resolved(a -> alias))
                .isInstanceOf(JobException.class).hasMessageContaining("did not resolve to a key ARN");
    }

    @Test
    void trainingVolumesRefuseAnAliasBeforeAnythingIsSubmitted() {
        String alias = "arn:aws:kms:eu-west-1:111122223333:alias/mlops-prod";
        SageMakerTrainer.Protection p = new SageMakerTrainer.Protection(Optional.of(alias), true);
        assertThat(p.isAlias()).isTrue();
        assertThatThrownBy(p::trainingVolumeKey).isInstanceOf(JobException.class)
                .satisfies(e -> assertThat(((JobException) e).exitCode()).isEqualTo(ExitCode.USAGE))
                .hasMessageContaining("take a key id or key ARN only, and the alias was not resolved");
        assertThatThrownBy(() -> new SageMakerTrainer(null, null, null, "arn:aws:iam::1:role/r", "eu-west-1", p, null, null, null))
                .isInstanceOf(JobException.class);
        assertThat(new SageMakerTrainer.Protection(Optional.of("alias/mlops-prod"), true).isAlias()).isTrue();
        String key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        assertThat(new SageMakerTrainer.Protection(Optional.of(key), true).trainingVolumeKey()).contains(key);
        assertThat(new SageMakerTrainer.Protection(Optional.empty(), false).trainingVolumeKey()).isEmpty();
    }
}
