package dev.mlops.core.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlops.core.ExitCode;
import dev.mlops.core.JobException;
import dev.mlops.core.testing.TestEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecLoaderTest {
    private static final String VALID = """
            model: m1
            task: regression
            entity: zone_id
            label: {dataset: rides, delay: 1d}
            datasets:
              rides:
                required: true
                event_time: ts
                source: {kind: files, format: csv, path: "rides/{date}"}
                columns:
                  - {name: zone_id, type: int, nullable: false}
                  - {name: ts, type: timestamp}
            """;

    private static SpecException fails(String yaml) {
        try {
            SpecLoader.load("dags/models/m1.yaml", yaml, "m1");
        } catch (SpecException e) {
            assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
            assertThat(e.getMessage()).startsWith("dags/models/m1.yaml: ");
            return e;
        }
        throw new AssertionError("expected a SpecException for:\n" + yaml);
    }

    @Test
    void bundledSpecsLoad() {
        SpecRepository repo = new SpecRepository(TestEnvironment.specsDir());
        assertThat(repo.models()).contains("zone_demand", "trip_risk");
        LoadedSpec zone = repo.load("zone_demand");
        assertThat(zone.spec().task()).isEqualTo(Task.REGRESSION);
        assertThat(zone.spec().label().delay().value()).isEqualTo(Duration.ofDays(1));
        assertThat(zone.spec().datasets()).containsKeys("rentals", "weather", "events", "zones");
        assertThat(zone.spec().dataset("rentals").required()).isTrue();
        assertThat(zone.spec().dataset("zones").source()).isInstanceOf(JdbcSource.class);
        LoadedSpec trip = repo.load("trip_risk");
        assertThat(trip.spec().task()).isEqualTo(Task.BINARY_CLASSIFICATION);
        assertThat(trip.spec().label().delay().value()).isEqualTo(Duration.ofDays(30));
        assertThat(trip.hash()).hasSize(16).isNotEqualTo(zone.hash());
    }

    @Test
    void defaultsAreFilledIn() {
        LoadedSpec s = SpecLoader.load("x.yaml", VALID, "m1");
        DatasetSpec rides = s.spec().dataset("rides");
        assertThat(rides.maxQuarantineRatio()).isEqualTo(DatasetSpec.DEFAULT_MAX_QUARANTINE_RATIO);
        assertThat(rides.columns().get(1).nullable()).isTrue();
        assertThat(rides.columns().get(0).required()).isTrue();
        assertThat(((FilesSource) rides.source()).pathFor(java.time.LocalDate.of(2024, 3, 1))).isEqualTo("rides/2024-03-01");
    }

    @Test
    void hashIgnoresFormattingButNotContent() {
        String reformatted = VALID.replace("task: regression", "task:    regression   # comment");
        assertThat(SpecLoader.load("a", reformatted, "m1").hash()).isEqualTo(SpecLoader.load("b", VALID, "m1").hash());
        assertThat(SpecLoader.load("a", VALID.replace("delay: 1d", "delay: 2d"), "m1").hash())
                .isNotEqualTo(SpecLoader.load("b", VALID, "m1").hash());
    }

    @Test
    void unknownKeyNamesPathAndKnownKeys() {
        SpecException e = fails(VALID.replace("required: true", "required: true\n    requried: false"));
        assertThat(e.keyPath()).isEqualTo("datasets.rides.requried");
        assertThat(e.getMessage()).contains("unknown key").contains("required").contains("event_time");
    }

    @Test
    void badColumnTypeListsTheTypes() {
        SpecException e = fails(VALID.replace("type: int", "type: integer"));
        assertThat(e.keyPath()).isEqualTo("datasets.rides.columns[0].type");
        assertThat(e.getMessage()).contains("expected one of [string, int, long, double, boolean, date, timestamp], got 'integer'");
    }

    @Test
    void badSourceKind() {
        SpecException e = fails(VALID.replace("kind: files", "kind: kafka"));
        assertThat(e.keyPath()).isEqualTo("datasets.rides.source.kind");
        assertThat(e.getMessage()).contains("expected one of [files, jdbc]");
    }

    @Test
    void missingRequiredKeys() {
        assertThat(fails(VALID.replace("task: regression\n", "")).getMessage())
                .contains("key 'task'").contains("expected one of [regression, binary_classification]");
        assertThat(fails(VALID.replace("entity: zone_id\n", "")).keyPath()).isEqualTo("entity");
        assertThat(fails(VALID.replace("source: {kind: files, format: csv, path: \"rides/{date}\"}", "")).keyPath())
                .isEqualTo("datasets.rides.source");
    }

    @Test
    void crossReferencesAreChecked() {
        SpecException e = fails(VALID.replace("event_time: ts", "event_time: time"));
        assertThat(e.keyPath()).isEqualTo("datasets.rides.event_time");
        assertThat(e.getMessage()).contains("expected one of the dataset's columns").contains("got 'time'");
        assertThat(fails(VALID.replace("dataset: rides", "dataset: trips")).getMessage())
                .contains("key 'label.dataset'").contains("expected one of the datasets [rides], got 'trips'");
    }

    @Test
    void badValues() {
        assertThat(fails(VALID.replace("delay: 1d", "delay: one day")).getMessage())
                .contains("key 'label.delay'").contains("expected a duration like 30m, 12h, 7d or 2w, got 'one day'");
        assertThat(fails(VALID.replace("required: true", "required: true\n    max_quarantine_ratio: 5")).getMessage())
                .contains("max_quarantine_ratio").contains("expected a ratio in [0, 1], got 5.0");
        assertThat(fails(VALID.replace("required: true", "required: maybe")).getMessage())
                .contains("key 'datasets.rides.required'");
        assertThat(fails(VALID.replace("- {name: ts, type: timestamp}", "- {name: zone_id, type: timestamp}")).getMessage())
                .contains("columns[1].name").contains("'zone_id' appears twice");
        assertThat(fails(VALID.replace("path: \"rides/{date}\"", "path: \"../etc\"")).getMessage())
                .contains("source.path").contains("expected a relative path inside the landing root");
    }

    @Test
    void modelMustMatchFileName() {
        assertThatThrownBy(() -> SpecLoader.load("dags/models/other.yaml", VALID, "other"))
                .isInstanceOf(SpecException.class)
                .hasMessageContaining("key 'model': expected 'other' (the file name), got 'm1'");
    }

    @Test
    void emptyAndMalformedFiles() {
        assertThat(fails("").getMessage()).contains("the file is empty");
        assertThat(fails("model: [unclosed").getMessage()).contains("line");
    }

    @Test
    void repositoryNamesMissingModels(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("m1.yaml"), VALID);
        SpecRepository repo = new SpecRepository(dir);
        assertThat(repo.load("m1").model()).isEqualTo("m1");
        assertThatThrownBy(() -> repo.load("nope"))
                .isInstanceOf(JobException.class)
                .hasMessageContaining("no spec for model 'nope'").hasMessageContaining("models found: [m1]");
        assertThatThrownBy(() -> repo.load("Bad Name")).hasMessageContaining("--model: expected a model name");
    }

    @Test
    void bundledCopiesAreUsedWhenTheDirectoryIsAbsent(@TempDir Path dir) {
        LoadedSpec s = new SpecRepository(dir.resolve("missing")).load("trip_risk");
        assertThat(s.file()).startsWith("classpath:");
        assertThat(s.hash()).isEqualTo(new SpecRepository(TestEnvironment.specsDir()).load("trip_risk").hash());
    }

    private static final String FEATURES = VALID + """
            features:
              zone:
                entity: zone_id
                source: rides
                granularity: 1h
                ttl: 2d
                features:
                  - {name: n_1h, agg: count, window: 1h}
                  - {name: n_day_ago, agg: count, window: 1h, lag: 23h}
            """;

    @Test
    void featureGroupsLoadWithTheirTypes() {
        LoadedSpec s = SpecLoader.load("x.yaml", FEATURES, "m1");
        var g = s.spec().featureGroup("zone");
        assertThat(g.lookback()).isEqualTo(Duration.ofHours(24));
        assertThat(g.features().get(0).outputType()).isEqualTo(ColumnType.LONG);
        assertThat(g.online()).isTrue();
        assertThat(s.spec().eventTime(g)).isEqualTo("ts");
    }

    @Test
    void featureGroupMistakesNameTheKey() {
        SpecException window = fails(FEATURES.replace("window: 1h, lag: 23h", "window: 90m, lag: 23h"));
        assertThat(window.keyPath()).isEqualTo("features.zone.features[1].window");
        assertThat(window.getMessage()).contains("expected a multiple of the granularity 1h, got 90m");
        SpecException source = fails(FEATURES.replace("source: rides", "source: ridez"));
        assertThat(source.keyPath()).isEqualTo("features.zone.source");
        assertThat(source.getMessage()).contains("expected one of the datasets [rides], got 'ridez'");
        SpecException entity = fails(FEATURES.replace("entity: zone_id\n    source", "entity: zone\n    source"));
        assertThat(entity.keyPath()).isEqualTo("features.zone.entity");
        SpecException dup = fails(FEATURES + "  again:\n    entity: zone_id\n    source: rides\n    ttl: 1d\n    features:\n      - {name: n_1h, agg: count, window: 1h}\n");
        assertThat(dup.keyPath()).isEqualTo("features.again.features[0].name");
        assertThat(dup.getMessage()).contains("also in group 'zone'");
        SpecException rowLevel = fails(FEATURES.replace("{name: n_1h, agg: count, window: 1h}", "{name: n_1h, expr: zone_id}"));
        assertThat(rowLevel.keyPath()).isEqualTo("features.zone.features[0].agg");
        SpecException noTtl = fails(FEATURES.replace("    ttl: 2d\n", ""));
        assertThat(noTtl.keyPath()).isEqualTo("features.zone.ttl");
    }

    @Test
    void allowedLatenessHasADefaultWindowAndIsValidatedOnLoad() {
        java.time.LocalDate d = java.time.LocalDate.of(2030, 1, 5);
        AllowedLateness byDefault = SpecLoader.load("x.yaml", VALID, "m1").spec().dataset("rides").allowedLateness();
        assertThat(byDefault.from(d)).isEqualTo(d.minusDays(2).atStartOfDay());
        assertThat(byDefault.until(d)).isEqualTo(d.plusDays(1).atStartOfDay());
        String custom = VALID.replace("event_time: ts", "event_time: ts\n    allowed_lateness: {back: 6h, forward: 1d}");
        AllowedLateness set = SpecLoader.load("x.yaml", custom, "m1").spec().dataset("rides").allowedLateness();
        assertThat(set.from(d)).isEqualTo(d.atStartOfDay().minusHours(6));
        assertThat(set.until(d)).isEqualTo(d.plusDays(2).atStartOfDay());
        assertThat(SpecLoader.load("x.yaml", custom, "m1").hash()).isNotEqualTo(SpecLoader.load("x.yaml", VALID, "m1").hash());

        SpecException badDuration = fails(custom.replace("back: 6h", "back: two days"));
        assertThat(badDuration.keyPath()).isEqualTo("datasets.rides.allowed_lateness.back");
        assertThat(badDuration.getMessage()).contains("expected a duration like 30m, 12h, 7d or 2w, got 'two days'");
        SpecException typo = fails(custom.replace("back: 6h", "bakc: 6h"));
        assertThat(typo.keyPath()).isEqualTo("datasets.rides.allowed_lateness.bakc");
        assertThat(typo.getMessage()).contains("unknown key").contains("[back, forward]");
        SpecException noEventTime = fails(custom.replace("    event_time: ts\n", ""));
        assertThat(noEventTime.keyPath()).isEqualTo("datasets.rides.allowed_lateness");
        assertThat(noEventTime.getMessage()).contains("expected event_time to be set");
        SpecException notATime = fails(custom.replace("event_time: ts", "event_time: zone_id"));
        assertThat(notATime.keyPath()).isEqualTo("datasets.rides.allowed_lateness");
        assertThat(notATime.getMessage()).contains("timestamp or date").contains("'zone_id' is int");
    }

    private static final String CHECKS = VALID.replace("      - {name: ts, type: timestamp}\n", """
                  - {name: ts, type: timestamp}
                  - {name: v, type: double}
                checks:
                  - {kind: min, column: v, min: -120}
                  - {kind: mean, column: v, max: 10}
                  - {kind: max, column: v, max: 500, gate: day}
                  - {kind: non_negative, column: v, quarantine: false}
            """);

    @Test
    void checkGateDefaultsByKindAndIsValidatedOnLoad() {
        var checks = SpecLoader.load("x.yaml", CHECKS, "m1").spec().dataset("rides").checks();
        assertThat(checks).extracting(CheckSpec::gate).containsExactly(CheckGate.ROWS, CheckGate.DAY, CheckGate.DAY, CheckGate.DAY);
        assertThat(checks).extracting(CheckSpec::gatesRows).containsExactly(true, false, false, false);

        SpecException unknown = fails(CHECKS.replace("gate: day", "gate: sometimes"));
        assertThat(unknown.keyPath()).isEqualTo("datasets.rides.checks[2].gate");
        assertThat(unknown.getMessage()).contains("expected one of [rows, day], got 'sometimes'");
        SpecException aggregate = fails(CHECKS.replace("{kind: mean, column: v, max: 10}", "{kind: mean, column: v, max: 10, gate: rows}"));
        assertThat(aggregate.keyPath()).isEqualTo("datasets.rides.checks[1].gate");
        assertThat(aggregate.getMessage()).contains("judges the whole day");
        SpecException notQuarantined = fails(CHECKS.replace("quarantine: false}", "quarantine: false, gate: rows}"));
        assertThat(notQuarantined.keyPath()).isEqualTo("datasets.rides.checks[3].gate");
        assertThat(notQuarantined.getMessage()).contains("quarantine: false");
        SpecException warning = fails(CHECKS.replace("gate: day}", "gate: day, severity: warning}"));
        assertThat(warning.keyPath()).isEqualTo("datasets.rides.checks[2].gate");
        assertThat(warning.getMessage()).contains("a warning never stops the day");
    }

    @Test
    void missingDaysIsNullByDefaultSetPerGroupOrFeatureAndCheckedOnLoad() {
        var plain = SpecLoader.load("x.yaml", FEATURES, "m1").spec().featureGroup("zone");
        assertThat(plain.missingDays(plain.features().get(0))).isEqualTo(MissingDays.NULL);
        // the group says zero; one feature says null again (a YAML null, and the string, both mean the policy null)
        for (String explicitNull : new String[] {"null", "\"null\""}) {
            String yaml = FEATURES.replace("    ttl: 2d\n", "    ttl: 2d\n    missing_days: zero\n")
                    .replace("{name: n_day_ago, agg: count, window: 1h, lag: 23h}", "{name: n_day_ago, agg: count, window: 1h, lag: 23h, missing_days: " + explicitNull + "}");
            var g = SpecLoader.load("x.yaml", yaml, "m1").spec().featureGroup("zone");
            assertThat(g.missingDays(g.features().get(0))).isEqualTo(MissingDays.ZERO);
            assertThat(g.missingDays(g.features().get(1))).as(explicitNull).isEqualTo(MissingDays.NULL);
        }
        // a policy is part of the spec's content (its hash); an absent key is not written (hashes of specs without it are unchanged)
        assertThat(SpecLoader.load("x.yaml", FEATURES.replace("    ttl: 2d\n", "    ttl: 2d\n    missing_days: zero\n"), "m1").hash())
                .isNotEqualTo(SpecLoader.load("x.yaml", FEATURES, "m1").hash());
        assertThat(dev.mlops.core.json.Json.write(plain)).doesNotContain("missing_days");
        SpecException group = fails(FEATURES.replace("    ttl: 2d\n", "    ttl: 2d\n    missing_days: skip\n"));
        assertThat(group.keyPath()).isEqualTo("features.zone.missing_days");
        assertThat(group.getMessage()).contains("expected one of [null, zero], got 'skip'");
        SpecException feature = fails(FEATURES.replace("{name: n_1h, agg: count, window: 1h}", "{name: n_1h, agg: count, window: 1h, missing_days: 0}"));
        assertThat(feature.keyPath()).isEqualTo("features.zone.features[0].missing_days");
        assertThat(feature.getMessage()).contains("expected one of [null, zero], got '0'");
        String perEvent = FEATURES.replace("    granularity: 1h\n", "").replace("{name: n_1h, agg: count, window: 1h}", "{name: z, expr: zone_id, missing_days: zero}");
        SpecException rowLevel = fails(perEvent);
        assertThat(rowLevel.keyPath()).isEqualTo("features.zone.features[0].missing_days");
        assertThat(rowLevel.getMessage()).contains("applies to a windowed feature");
    }

    private static final String EXPRESSIONS = VALID
            .replace("label: {dataset: rides, delay: 1d}", "label: {dataset: rides, delay: 1d, event_time: ts, kind: count, granularity: 1h}")
            .replace("      - {name: ts, type: timestamp}\n",
                    "      - {name: ts, type: timestamp}\n"
                    + "      - {name: dep_ts, type: timestamp}\n"
                    + "      - {name: fare, type: double}\n"
                    + "    checks:\n"
                    + "      - {kind: satisfies, name: fare_positive, predicate: \"fare IS NULL OR fare > 0\"}\n") + """
            features:
              zone:
                entity: zone_id
                source: rides
                ttl: 2d
                features:
                  - {name: dep_hour, expr: "hour(dep_ts)"}
                  - {name: fares, expr: "filter(array(fare), x -> x > 0)"}
                  - {name: fare_1h, agg: sum, expr: "COALESCE(Fare, 0)", window: 1h}
            training:
              window: 7d
              slices:
                - {name: part_of_day, expr: "CASE WHEN dep_hour < 12 THEN 'am' ELSE 'pm' END"}
                - {name: weekday, expr: "date_format(event_ts, 'E')"}
            """;

    @Test
    void wellFormedExpressionsOverDeclaredColumnsLoad() {
        LoadedSpec s = SpecLoader.load("x.yaml", EXPRESSIONS, "m1");
        assertThat(s.spec().training().slices()).hasSize(2);
    }

    @Test
    void malformedFeatureExpressionNamesFileKeyAndParserMessage() {
        SpecException e = fails(EXPRESSIONS.replace("hour(dep_ts)", "hour(dep_ts"));
        assertThat(e.keyPath()).isEqualTo("features.zone.features[0].expr");
        assertThat(e.getMessage()).contains("dags/models/m1.yaml: key 'features.zone.features[0].expr'")
                .contains("'hour(dep_ts'").contains("PARSE_SYNTAX_ERROR").contains("(line 1, pos 11)");
        SpecException windowed = fails(EXPRESSIONS.replace("COALESCE(Fare, 0)", "COALESCE(fare,, 0)"));
        assertThat(windowed.keyPath()).isEqualTo("features.zone.features[2].expr");
        assertThat(windowed.getMessage()).contains("PARSE_SYNTAX_ERROR");
    }

    @Test
    void featureExpressionOverAnUnknownColumnFails() {
        SpecException e = fails(EXPRESSIONS.replace("hour(dep_ts)", "hour(depart_ts)"));
        assertThat(e.keyPath()).isEqualTo("features.zone.features[0].expr");
        assertThat(e.getMessage()).contains("'depart_ts'").contains("source dataset 'rides'").contains("dep_ts");
        // a feature without expr is the column of its name: that column must exist too
        SpecException implicit = fails(EXPRESSIONS.replace("{name: fares, expr: \"filter(array(fare), x -> x > 0)\"}", "{name: tips}"));
        assertThat(implicit.keyPath()).isEqualTo("features.zone.features[1].expr");
        assertThat(implicit.getMessage()).contains("'tips'");
    }

    @Test
    void malformedOrUnresolvedSatisfiesPredicateFails() {
        SpecException syntax = fails(EXPRESSIONS.replace("fare IS NULL OR fare > 0", "fare IS NULL OR > 0"));
        assertThat(syntax.keyPath()).isEqualTo("datasets.rides.checks[0].predicate");
        assertThat(syntax.getMessage()).contains("PARSE_SYNTAX_ERROR");
        SpecException column = fails(EXPRESSIONS.replace("fare IS NULL OR fare > 0", "fare IS NULL OR price > 0"));
        assertThat(column.keyPath()).isEqualTo("datasets.rides.checks[0].predicate");
        assertThat(column.getMessage()).contains("'price'").contains("the dataset's columns");
    }

    @Test
    void malformedOrUnresolvedSliceExpressionFails() {
        SpecException syntax = fails(EXPRESSIONS.replace("ELSE 'pm' END", "ELSE 'pm'"));
        assertThat(syntax.keyPath()).isEqualTo("training.slices[0].expr");
        assertThat(syntax.getMessage()).contains("PARSE_SYNTAX_ERROR");
        SpecException column = fails(EXPRESSIONS.replace("dep_hour < 12", "hour(dep_ts) < 12"));
        assertThat(column.keyPath()).isEqualTo("training.slices[0].expr");
        assertThat(column.getMessage()).contains("'dep_ts'").contains("training set's columns").contains("dep_hour");
    }
}
