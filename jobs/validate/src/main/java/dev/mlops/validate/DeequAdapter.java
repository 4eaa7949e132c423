package dev.mlops.validate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.unix_timestamp;

import com.amazon.deequ.AnomalyCheckConfig;
import com.amazon.deequ.VerificationResult;
import com.amazon.deequ.VerificationRunBuilder;
import com.amazon.deequ.VerificationRunBuilderWithRepository;
import com.amazon.deequ.VerificationSuite;
import com.amazon.deequ.analyzers.Analyzer;
import com.amazon.deequ.analyzers.Mean;
import com.amazon.deequ.analyzers.Size;
import com.amazon.deequ.anomalydetection.AnomalyDetectionStrategy;
import com.amazon.deequ.anomalydetection.RelativeRateOfChangeStrategy;
import com.amazon.deequ.checks.Check;
import com.amazon.deequ.checks.CheckLevel;
import com.amazon.deequ.checks.CheckResult;
import com.amazon.deequ.constraints.ConstraintResult;
import com.amazon.deequ.constraints.ConstraintStatus;
import com.amazon.deequ.metrics.Metric;
import com.amazon.deequ.repository.ResultKey;
import com.amazon.deequ.repository.fs.FileSystemMetricsRepository;
import com.amazon.deequ.suggestions.ConstraintSuggestion;
import com.amazon.deequ.suggestions.ConstraintSuggestionResult;
import com.amazon.deequ.suggestions.ConstraintSuggestionRunner;
import com.amazon.deequ.suggestions.Rules;
import dev.mlops.core.spec.AnomalySpec;
import dev.mlops.core.spec.CheckKind;
import dev.mlops.core.spec.CheckSpec;
import dev.mlops.core.spec.Severity;
import java.io.Serializable;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.Function1;
import scala.Option;
import scala.collection.JavaConverters;
import scala.util.matching.Regex;

/**
 * The one place that speaks Deequ's Scala API. Turns the spec's checks into Deequ {@link Check}s
 * (one per declared check, so row-level results say which check a row broke), runs them as one
 * {@link VerificationSuite} with the metric history repository and the anomaly checks, and
 * returns plain Java values.
 */
final class DeequAdapter {
    /** Prefix of helper columns added for checks Deequ cannot express directly (freshness). */
    static final String DERIVED_PREFIX = "__dq_";

    private final SparkSession spark;

    DeequAdapter(SparkSession spark) {
        this.spark = spark;
    }

    /** A Deequ assertion: a Scala function that Spark can ship to executors (row-level results need that). */
    interface Assertion extends Function1<Object, Object>, Serializable {
    }

    /**
     * What a verification produced. {@code saveHistory} puts the computed metrics into the dataset's
     * history under the data date; the caller runs it (under the history lock) only for the data it
     * judged the day by, and only when the day passes.
     */
    record Verification(List<CheckOutcome> outcomes, Dataset<Row> rowLevel, List<String> rowLevelChecks,
                        List<String> nullIsFailure, Runnable saveHistory) {
    }

    /**
     * @param history      path of this dataset's metrics repository (a JSON file in the lake)
     * @param tags         tags of this dataset's history entries (model, dataset)
     * @param date         the data date: its history entry is replaced; anomaly checks only see earlier dates
     */
    Verification verify(String dataset, Dataset<Row> data, List<CheckSpec> checks, List<AnomalySpec> anomalies,
                        String history, Map<String, String> tags, LocalDate date) {
        Dataset<Row> df = data;
        for (CheckSpec c : checks) {
            if (c.kind() == CheckKind.FRESHNESS) {
                df = df.withColumn(DERIVED_PREFIX + c.column(), unix_timestamp(col(c.column())).cast("double"));
            }
        }
        long dayEnd = date.plusDays(1).atStartOfDay().toEpochSecond(ZoneOffset.UTC);
        Map<Check, CheckSpec> byCheck = new LinkedHashMap<>();
        VerificationRunBuilder builder = new VerificationSuite().onData(df);
        for (CheckSpec spec : checks) {
            Check check = toCheck(spec, dayEnd);
            byCheck.put(check, spec);
            builder = builder.addCheck(check);
        }
        long dateMillis = date.atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
        scala.collection.immutable.Map<String, String> scalaTags = toScalaMap(tags);
        FileSystemMetricsRepository repository = FileSystemMetricsRepository.apply(spark, history);
        // the analyzers anomaly checks watch are always computed, so every date enters the history
        List<Analyzer<?, Metric<?>>> watched = new ArrayList<>();
        for (AnomalySpec a : anomalies) {
            watched.add(watchedAnalyzer(a));
        }
        builder = builder.addRequiredAnalyzers(JavaConverters.asScalaBuffer(watched).toSeq());
        // no saveOrAppendResult: a day enters the history only if it passes (see saveHistory)
        VerificationRunBuilderWithRepository withRepo = builder.useRepository(repository);
        Map<String, AnomalySpec> anomalyByName = new LinkedHashMap<>();
        List<CheckOutcome> outcomes = new ArrayList<>();
        java.util.Set<String> uncomputed = new java.util.HashSet<>();
        boolean hasHistory = !anomalies.isEmpty()
                && !repository.load().withTagValues(scalaTags).before(dateMillis - 1).get().isEmpty();
        List<AnomalySpec> meanBands = new ArrayList<>();
        for (AnomalySpec a : anomalies) {
            if (a.kind() == AnomalySpec.Kind.MEAN_BAND) {
                // evaluated below from earlier dates only: Deequ's online normal includes the new point in its band
                meanBands.add(a);
                continue;
            }
            if (!hasHistory) {
                // Deequ needs earlier results to compare with: the first date of a dataset has none
                outcomes.add(new CheckOutcome(dataset, a.displayName(), "anomaly:" + a.kind().specName(), "no history before " + date,
                        a.severity(), true, null, null, null));
                continue;
            }
            // history strictly before the data date: a re-run does not see itself, a backfill never sees later dates
            AnomalyCheckConfig config = AnomalyCheckConfig.apply(level(a.severity()), a.displayName(), scalaTags,
                    Option.empty(), Option.apply((Object) (dateMillis - 1)));
            withRepo = addAnomaly(withRepo, a, config);
            anomalyByName.put(a.displayName(), a);
        }
        VerificationResult result = withRepo.run();
        Map<Analyzer<?, Metric<?>>, Metric<?>> metrics = JavaConverters.mapAsJavaMap(result.metrics());
        for (AnomalySpec a : meanBands) {
            outcomes.add(meanBand(dataset, a, metrics.get(watchedAnalyzer(a)), repository, scalaTags, dateMillis, date));
        }

        Map<Check, CheckResult> results = JavaConverters.mapAsJavaMap(result.checkResults());
        for (Map.Entry<Check, CheckResult> e : results.entrySet()) {
            CheckSpec spec = byCheck.get(e.getKey());
            for (ConstraintResult cr : JavaConverters.seqAsJavaList(e.getValue().constraintResults())) {
                Double value = metricValue(cr);
                String metricName = cr.metric().isDefined() ? cr.metric().get().name() : null;
                boolean passed = cr.status() == ConstraintStatus.Success();
                String deequMessage = cr.message().isDefined() ? cr.message().get() : null;
                if (spec != null) {
                    if (value == null && !passed) {
                        // the check itself is broken for this data (e.g. a column all null, a bad predicate):
                        // it judges no row, and it is an error whatever its severity
                        uncomputed.add(spec.displayName());
                    }
                    outcomes.add(new CheckOutcome(dataset, spec.displayName(), spec.kind().specName(), cr.constraint().toString(),
                            value == null && !passed ? Severity.ERROR : spec.severity(), passed, metricName, value,
                            passed ? null : Messages.failure(dataset, spec, value, deequMessage, dayEnd)));
                } else {
                    AnomalySpec a = anomalyByName.get(e.getKey().description());
                    if (a == null) {
                        continue;
                    }
                    outcomes.add(new CheckOutcome(dataset, a.displayName(), "anomaly:" + a.kind().specName(),
                            cr.constraint().toString(), a.severity(), passed, metricName, value,
                            passed ? null : Messages.anomaly(dataset, a, value, date)));
                }
            }
        }
        List<String> rowLevelChecks = new ArrayList<>();
        List<String> nullIsFailure = new ArrayList<>();
        for (CheckSpec spec : checks) {
            if (spec.quarantines() && !uncomputed.contains(spec.displayName())) {
                rowLevelChecks.add(spec.displayName());
                if (spec.kind() == CheckKind.SATISFIES) {
                    // Deequ's compliance metric counts a NULL predicate as a violation; judge the rows the same way
                    nullIsFailure.add(spec.displayName());
                }
            }
        }
        // row-level columns only for the checks that quarantine: e.g. uniqueness would add a window over the entity
        java.util.Set<String> wanted = new java.util.HashSet<>(rowLevelChecks);
        java.util.Map<Check, CheckResult> kept = new java.util.LinkedHashMap<>();
        results.forEach((check, checkResult) -> {
            if (wanted.contains(check.description())) {
                kept.put(check, checkResult);
            }
        });
        VerificationResult rowLevelResult = new VerificationResult(result.status(), toScalaMap(kept), result.metrics());
        Dataset<Row> rowLevel = rowLevelChecks.isEmpty() ? null
                : com.amazon.deequ.VerificationResult$.MODULE$.rowLevelResultsAsDataFrame(spark, rowLevelResult, df)
                        .select(rowLevelColumns(df, rowLevelChecks));
        // not saved here: only days that pass the gate become the baseline of later anomaly checks (see ValidateJob)
        Runnable saveHistory = () -> repository.save(new ResultKey(dateMillis, scalaTags),
                new com.amazon.deequ.analyzers.runners.AnalyzerContext(result.metrics()));
        return new Verification(outcomes, rowLevel, rowLevelChecks, nullIsFailure, saveHistory);
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Analyzer<?, Metric<?>> watchedAnalyzer(AnomalySpec a) {
        return a.kind() == AnomalySpec.Kind.ROW_COUNT_CHANGE ? (Analyzer) Size.apply(Option.empty())
                : (Analyzer) Mean.apply(a.column(), Option.empty());
    }

    /** Minimum earlier dates before a mean band is judged. */
    static final int MEAN_BAND_MIN_HISTORY = 5;

    /** The mean of a column against median +- k robust stddevs (1.4826 MAD) of its values on earlier dates. */
    private CheckOutcome meanBand(String dataset, AnomalySpec a, Metric<?> current, FileSystemMetricsRepository repository,
                                  scala.collection.immutable.Map<String, String> tags, long dateMillis, LocalDate date) {
        Analyzer<?, Metric<?>> analyzer = watchedAnalyzer(a);
        List<Double> earlier = new ArrayList<>();
        for (com.amazon.deequ.repository.AnalysisResult r : JavaConverters.seqAsJavaList(
                repository.load().withTagValues(tags).before(dateMillis - 1).get())) {
            Option<Metric<?>> m = r.analyzerContext().metricMap().get(analyzer);
            if (m.isDefined() && m.get().value().isSuccess() && m.get().value().get() instanceof Number n) {
                earlier.add(n.doubleValue());
            }
        }
        Double value = current != null && current.value().isSuccess() && current.value().get() instanceof Number n ? n.doubleValue() : null;
        String constraint = "mean_band(" + a.column() + ", " + a.stddevs() + " sd over earlier dates)";
        if (earlier.size() < MEAN_BAND_MIN_HISTORY) {
            return new CheckOutcome(dataset, a.displayName(), "anomaly:mean_band",
                    "insufficient history (" + earlier.size() + " < " + MEAN_BAND_MIN_HISTORY + " earlier dates)", a.severity(), true, "Mean", value, null);
        }
        // robust centre and spread: one odd day in the history must not widen the band for good
        double mu = median(earlier);
        List<Double> deviations = earlier.stream().map(x -> Math.abs(x - mu)).toList();
        double sd = 1.4826 * median(deviations);
        if (sd == 0) {
            double mean = earlier.stream().mapToDouble(Double::doubleValue).average().orElse(0);
            sd = Math.sqrt(earlier.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum() / (earlier.size() - 1));
        }
        boolean passed = value != null && Math.abs(value - mu) <= a.stddevs() * Math.max(sd, 1e-9 * Math.abs(mu));
        return new CheckOutcome(dataset, a.displayName(), "anomaly:mean_band", constraint, a.severity(), passed, "Mean", value,
                passed ? null : Messages.meanBand(dataset, a, value, mu, sd, earlier.size(), date));
    }

    /** Deequ's constraint suggestions for a partition, as (column, code) pairs. */
    List<Map.Entry<String, String>> suggest(Dataset<Row> data) {
        ConstraintSuggestionResult result = new ConstraintSuggestionRunner().onData(data)
                .addConstraintRules(Rules.DEFAULT())
                .run();
        List<Map.Entry<String, String>> out = new ArrayList<>();
        Map<String, scala.collection.Seq<ConstraintSuggestion>> byColumn = JavaConverters.mapAsJavaMap(result.constraintSuggestions());
        for (Map.Entry<String, scala.collection.Seq<ConstraintSuggestion>> e : byColumn.entrySet()) {
            for (ConstraintSuggestion s : JavaConverters.seqAsJavaList(e.getValue())) {
                out.add(Map.entry(e.getKey(), s.codeForConstraint()));
            }
        }
        out.sort(Map.Entry.comparingByKey());
        return out;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static VerificationRunBuilderWithRepository addAnomaly(VerificationRunBuilderWithRepository b, AnomalySpec a,
                                                                   AnomalyCheckConfig config) {
        AnomalyDetectionStrategy strategy;
        Analyzer analyzer;
        strategy = RelativeRateOfChangeStrategy.apply(Option.apply((Object) a.maxDecrease()),
                Option.apply((Object) a.maxIncrease()), 1);
        analyzer = Size.apply(Option.empty());
        return b.addAnomalyCheck(strategy, analyzer, Option.apply(config));
    }

    private static Check toCheck(CheckSpec spec, long dayEndEpoch) {
        Check check = new Check(level(spec.severity()), spec.displayName(),
                JavaConverters.asScalaBuffer(new ArrayList<com.amazon.deequ.constraints.Constraint>()).toSeq());
        Option<String> hint = Option.apply(spec.hint());
        Option none = Option.empty();
        String c = spec.column();
        return switch (spec.kind()) {
            case COMPLETENESS -> check.hasCompleteness(c, atLeast(spec.min()), hint, none);
            case UNIQUENESS -> check.hasUniqueness(JavaConverters.asScalaBuffer(spec.referencedColumns()).toSeq(),
                    atLeast(spec.min()), hint, none);
            case MIN -> check.hasMin(c, atLeast(spec.min()), hint, none);
            case MAX -> check.hasMax(c, atMost(spec.max()), hint, none);
            case NON_NEGATIVE -> check.isNonNegative(c, atLeast(1.0), hint);
            case ALLOWED_VALUES -> check.isContainedIn(c, spec.values().toArray(String[]::new), atLeast(spec.minRatioOrDefault()), hint, none);
            case PATTERN -> check.hasPattern(c, new Regex(spec.regex(), JavaConverters.asScalaBuffer(new ArrayList<String>()).toSeq()),
                    atLeast(spec.minRatioOrDefault()), Option.apply(spec.displayName()), hint, none);
            case SIZE -> check.hasSize(between(spec.min(), spec.max()), hint);
            case SATISFIES -> check.satisfies(spec.predicate(), spec.displayName(), atLeast(spec.minRatioOrDefault()), hint,
                    scala.collection.immutable.List$.MODULE$.empty(), none);
            case MEAN -> check.hasMean(c, between(spec.min(), spec.max()), hint);
            case STDDEV -> check.hasStandardDeviation(c, between(spec.min(), spec.max()), hint);
            case QUANTILE -> check.hasApproxQuantile(c, spec.quantile(), between(spec.min(), spec.max()), hint);
            case FRESHNESS -> check.hasMax(DERIVED_PREFIX + c, atLeast((double) (dayEndEpoch - spec.maxAge().value().toSeconds())), hint, none);
        };
    }

    private static scala.Enumeration.Value level(Severity s) {
        return s == Severity.ERROR ? CheckLevel.Error() : CheckLevel.Warning();
    }

    static Assertion atLeast(double bound) {
        return v -> ((Number) v).doubleValue() >= bound;
    }

    static Assertion atMost(double bound) {
        return v -> ((Number) v).doubleValue() <= bound;
    }

    static Assertion between(Double min, Double max) {
        double lo = min == null ? Double.NEGATIVE_INFINITY : min;
        double hi = max == null ? Double.POSITIVE_INFINITY : max;
        return v -> {
            double d = ((Number) v).doubleValue();
            return d >= lo && d <= hi;
        };
    }

    private static Double metricValue(ConstraintResult cr) {
        if (cr.metric().isEmpty()) {
            return null;
        }
        Metric<?> m = cr.metric().get();
        if (m.value().isFailure()) {
            return null;
        }
        Object v = m.value().get();
        return v instanceof Number n ? n.doubleValue() : null;
    }

    private static <K, V> scala.collection.immutable.Map<K, V> toScalaMap(Map<K, V> map) {
        scala.collection.immutable.Map<K, V> out = scala.collection.immutable.Map$.MODULE$.empty();
        for (Map.Entry<K, V> e : map.entrySet()) {
            out = out.$plus(new scala.Tuple2<>(e.getKey(), e.getValue()));
        }
        return out;
    }

    /** The data's own columns (without helper columns) and the row-level columns of the quarantining checks. */
    private static org.apache.spark.sql.Column[] rowLevelColumns(Dataset<Row> df, List<String> checks) {
        List<org.apache.spark.sql.Column> cols = new ArrayList<>();
        for (String c : df.columns()) {
            if (!c.startsWith(DERIVED_PREFIX)) {
                cols.add(col(c));
            }
        }
        checks.forEach(c -> cols.add(col(c)));
        return cols.toArray(org.apache.spark.sql.Column[]::new);
    }

}
