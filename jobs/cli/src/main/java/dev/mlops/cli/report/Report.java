package dev.mlops.cli.report;

import dev.mlops.cli.report.ReportData.Check;
import dev.mlops.cli.report.ReportData.Decided;
import dev.mlops.cli.report.ReportData.Decision;
import dev.mlops.cli.report.ReportData.Drift;
import dev.mlops.cli.report.ReportData.Quality;
import dev.mlops.cli.report.ReportData.Section;
import dev.mlops.cli.report.ReportData.Shadow;
import dev.mlops.core.audit.AuditEntry;
import dev.mlops.core.registry.Registry;
import java.awt.Color;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The report of {@code mlops report}: one self-contained HTML page (inline CSS and SVG charts, no
 * script, nothing fetched) with a section per model, and a plain-text summary of the same numbers.
 */
public final class Report {
    private static final DateTimeFormatter AT = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
    /** Quality metrics that are counts or per-group details, not a measure of the model on the day (tables, not charts). */
    private static final List<String> NOT_CHARTED_PREFIXES = List.of("confusion_", "calibration_", "group_");
    private static final List<String> COUNTS = List.of("predictions", "labelled", "label_coverage");

    private final List<ReportData> models;
    private final LocalDate from;
    private final LocalDate to;
    private final Instant generatedAt;
    private final Charts charts = new Charts();

    public Report(List<ReportData> models, LocalDate from, LocalDate to, Instant generatedAt) {
        this.models = List.copyOf(models);
        this.from = from;
        this.to = to;
        this.generatedAt = generatedAt;
    }

    private String range() {
        return from == null && to == null ? "all dates" : (from == null ? "..." : from.toString()) + ".." + (to == null ? "" : to.toString());
    }

    // ---------------------------------------------------------------- summary

    /** The plain-text summary: per model, versions, promotions and rollbacks, drift alerts and retrain decisions, shadow, validation, latest quality. */
    public String summary() {
        StringBuilder b = new StringBuilder();
        for (ReportData m : models) {
            b.append("report ").append(m.model()).append(" (").append(range()).append("):\n");
            b.append("  versions: ").append(m.versions().isEmpty() ? "none registered"
                    : m.versions().stream().map(v -> versionText(m, v)).collect(Collectors.joining("; "))).append('\n');
            List<Decided> promotions = entries(m, e -> AuditEntry.PRODUCTION.equals(e.decision()) && !AuditEntry.ROLLBACK.equals(e.action()));
            List<Decided> rollbacks = entries(m, e -> AuditEntry.ROLLBACK.equals(e.action()));
            List<Decided> refused = entries(m, e -> AuditEntry.PROMOTE.equals(e.action()) && "gates_failed".equals(e.decision()));
            b.append("  promotions: ").append(promotions.size()).append(onDates(promotions))
                    .append("; rollbacks: ").append(rollbacks.size()).append(onDates(rollbacks))
                    .append("; refused by the gates: ").append(refused.size()).append(onDates(refused)).append('\n');
            b.append("  drift alerts: ").append(driftText(m)).append('\n');
            b.append("  shadow: ").append(shadowText(m)).append('\n');
            b.append("  validation: ").append(validationText(m)).append('\n');
            b.append("  latest quality: ").append(qualityText(m)).append('\n');
            b.append("  audit entries: ").append(m.timeline().size()).append('\n');
        }
        return b.toString();
    }

    private static String versionText(ReportData m, Registry.Version v) {
        List<String> aliases = m.aliases().entrySet().stream().filter(a -> a.getValue() == v.version()).map(Map.Entry::getKey).sorted().toList();
        return "v" + v.version() + " " + v.status() + (v.primaryValue() == null ? "" : " " + v.primaryMetric() + " " + num(v.primaryValue()))
                + " (data to " + v.dataDate() + ")" + (aliases.isEmpty() ? "" : " " + String.join(",", aliases));
    }

    private static List<Decided> entries(ReportData m, Predicate<AuditEntry> p) {
        return m.timeline().stream().filter(d -> p.test(d.entry())).toList();
    }

    private static String onDates(List<Decided> ds) {
        return ds.isEmpty() ? "" : " (" + ds.stream().map(d -> "v" + d.entry().version() + " " + d.dataDate()).collect(Collectors.joining(", ")) + ")";
    }

    /** Days whose drifted-feature share fired the drift rule, and the retrain decisions. */
    private static String driftText(ReportData m) {
        if (!m.drift().present() && !m.decisions().present()) {
            return "not judged yet (" + m.drift().missing() + ")";
        }
        Map<LocalDate, long[]> perDay = driftPerDay(m.drift().rows());
        List<LocalDate> alerts = m.decisions().rows().stream().filter(d -> "drift_share".equals(d.rule()) && d.fired()).map(Decision::date)
                .distinct().sorted().toList();
        List<LocalDate> retrain = retrainDays(m);
        double share = m.spec().spec().quality().drift().share();
        String days = alerts.stream().map(d -> d + (perDay.containsKey(d) ? " " + perDay.get(d)[1] + "/" + perDay.get(d)[0] + " features" : ""))
                .collect(Collectors.joining(", "));
        return alerts.size() + " of " + perDay.size() + " judged day(s) with drifted features over quality.drift.share " + num(share)
                + (alerts.isEmpty() ? "" : " (" + days + ")") + "; retrain decisions: " + retrain.size()
                + (retrain.isEmpty() ? "" : " (" + retrain.stream().map(LocalDate::toString).collect(Collectors.joining(", ")) + ")");
    }

    /** Per run date: [features judged, features drifted] (kind feature). */
    static Map<LocalDate, long[]> driftPerDay(List<Drift> rows) {
        Map<LocalDate, long[]> out = new TreeMap<>();
        for (Drift d : rows) {
            if ("feature".equals(d.kind())) {
                long[] c = out.computeIfAbsent(d.date(), k -> new long[2]);
                c[0]++;
                c[1] += d.drifted() ? 1 : 0;
            }
        }
        return out;
    }

    private static List<LocalDate> retrainDays(ReportData m) {
        return m.decisions().rows().stream().filter(d -> "retrain".equals(d.rule()) && d.retrain()).map(Decision::date).distinct().sorted().toList();
    }

    private static String shadowText(ReportData m) {
        if (!m.shadow().present()) {
            return "none yet (" + m.shadow().missing() + ")";
        }
        List<Shadow> overall = overall(m.shadow().rows(), "agreement");
        Shadow last = overall.stream().max(Comparator.comparing(Shadow::date)).orElse(null);
        if (last == null) {
            return "no agreement recorded";
        }
        Double pairs = shadowValue(m.shadow().rows(), last, "pairs");
        return overall.stream().map(Shadow::date).distinct().count() + " day(s); latest " + last.date() + " v" + last.production() + " vs v"
                + last.candidate() + " agreement " + num(last.value()) + (pairs == null ? "" : " on " + Math.round(pairs) + " events");
    }

    private static List<Shadow> overall(List<Shadow> rows, String metric) {
        return rows.stream().filter(s -> "all".equals(s.segment()) && metric.equals(s.metric())).sorted(Comparator.comparing(Shadow::date)).toList();
    }

    private static Double shadowValue(List<Shadow> rows, Shadow at, String metric) {
        return rows.stream().filter(s -> s.date().equals(at.date()) && s.production() == at.production() && s.candidate() == at.candidate()
                && "all".equals(s.segment()) && metric.equals(s.metric())).map(Shadow::value).filter(Objects::nonNull).findFirst().orElse(null);
    }

    private static String validationText(ReportData m) {
        if (!m.validation().present()) {
            return "none yet (" + m.validation().missing() + ")";
        }
        List<Check> rows = m.validation().rows();
        long days = rows.stream().map(Check::date).distinct().count();
        long datasets = rows.stream().map(Check::dataset).distinct().count();
        List<Check> failed = rows.stream().filter(c -> !c.passed()).toList();
        List<LocalDate> failedDays = failed.stream().filter(c -> "error".equals(c.severity())).map(Check::date).distinct().sorted().toList();
        return days + " day(s), " + datasets + " dataset(s), " + rows.size() + " checks, " + failed.size() + " failed"
                + (failedDays.isEmpty() ? "" : "; days that failed the gate: " + failedDays.stream().map(LocalDate::toString).collect(Collectors.joining(", ")));
    }

    private static String qualityText(ReportData m) {
        if (!m.quality().present()) {
            return "none yet (" + m.quality().missing() + ")";
        }
        LocalDate last = ReportData.latest(m.quality().rows(), Quality::date);
        List<Quality> day = m.quality().rows().stream().filter(q -> q.date().equals(last) && "all".equals(q.segment())).toList();
        String primary = m.spec().spec().primaryMetric();
        List<Quality> shown = new ArrayList<>(day.stream().filter(q -> charted(q.metric())).sorted(Comparator
                .comparing((Quality q) -> !q.metric().equals(primary)).thenComparing(Quality::metric)).toList());
        day.stream().filter(q -> "labelled".equals(q.metric())).findFirst().ifPresent(shown::add);
        String version = day.stream().map(q -> "v" + q.version()).distinct().collect(Collectors.joining(","));
        return last + " (" + version + "): " + shown.stream().map(q -> q.metric() + " " + (COUNTS.contains(q.metric()) && !"label_coverage".equals(q.metric()) ? count(q.value()) : num(q.value()))).collect(Collectors.joining(", "));
    }

    static boolean charted(String metric) {
        return !COUNTS.contains(metric) && NOT_CHARTED_PREFIXES.stream().noneMatch(metric::startsWith) && !metric.endsWith("_gap");
    }

    /** A measure: four decimals ("-" when undefined). */
    static String num(Double v) {
        return v == null || v.isNaN() ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }

    /** A count stored as a double (events, labelled rows). */
    static String count(Double v) {
        return v == null || v.isNaN() ? "-" : Long.toString(Math.round(v));
    }

    // ---------------------------------------------------------------- HTML

    /** The whole page. */
    public String html() {
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>mlops report</title>\n<style>\n").append(CSS)
                .append("</style>\n</head>\n<body>\n<h1>mlops report</h1>\n<p class=\"meta\">Generated ").append(AT.format(generatedAt))
                .append(" &middot; dates: ").append(esc(range())).append(" &middot; models: ")
                .append(models.stream().map(m -> "<a href=\"#model-" + esc(m.model()) + "\">" + esc(m.model()) + "</a>").collect(Collectors.joining(", ")))
                .append("</p>\n<pre class=\"summary\">").append(esc(summary())).append("</pre>\n");
        for (ReportData m : models) {
            model(h, m);
        }
        return h.append("</body>\n</html>\n").toString();
    }

    private void model(StringBuilder h, ReportData m) {
        String id = m.model();
        h.append("<section class=\"model\" id=\"model-").append(esc(id)).append("\" data-model=\"").append(esc(id)).append("\">\n<h2>")
                .append(esc(id)).append("</h2>\n");
        versions(h, m);
        quality(h, m);
        drift(h, m);
        shadow(h, m);
        validation(h, m);
        timeline(h, m);
        h.append("</section>\n");
    }

    private static void open(StringBuilder h, ReportData m, String section, String title) {
        h.append("<section class=\"part\" id=\"").append(esc(m.model())).append('-').append(section).append("\" data-section=\"")
                .append(section).append("\">\n<h3>").append(esc(title)).append("</h3>\n");
    }

    private static void missing(StringBuilder h, Section<?> s, String hint) {
        h.append("<p class=\"missing\">Nothing yet: ").append(esc(s.missing())).append(". ").append(esc(hint)).append("</p>\n");
    }

    private static void versions(StringBuilder h, ReportData m) {
        open(h, m, "versions", "Versions");
        if (m.versions().isEmpty()) {
            h.append("<p class=\"missing\">Nothing yet: no version of ").append(esc(m.model()))
                    .append(" in the registry. Train one: mlops train --model ").append(esc(m.model())).append(" --date D</p>\n");
        } else {
            h.append("<table>\n<tr><th>version</th><th>status</th><th>aliases</th><th>trained on data to</th><th>primary metric</th><th>value</th>"
                    + "<th>backend</th><th>registered</th></tr>\n");
            for (Registry.Version v : m.versions()) {
                String aliases = m.aliases().entrySet().stream().filter(a -> a.getValue() == v.version()).map(Map.Entry::getKey).sorted()
                        .collect(Collectors.joining(", "));
                h.append("<tr class=\"version\" data-version=\"").append(v.version()).append("\"><td>v").append(v.version()).append("</td><td>")
                        .append(esc(v.status())).append("</td><td>").append(esc(aliases)).append("</td><td>").append(v.dataDate()).append("</td><td>")
                        .append(esc(v.primaryMetric())).append("</td><td class=\"n\">").append(num(v.primaryValue())).append("</td><td>")
                        .append(esc(v.backend())).append("</td><td>").append(AT.format(v.createdAt())).append("</td></tr>\n");
            }
            h.append("</table>\n");
        }
        h.append("</section>\n");
    }

    private void quality(StringBuilder h, ReportData m) {
        open(h, m, "quality", "Model quality over time");
        if (!m.quality().present()) {
            missing(h, m.quality(), "Quality runs once labels are in: mlops quality --model " + m.model() + " --date D");
            h.append("</section>\n");
            return;
        }
        List<Quality> all = m.quality().rows().stream().filter(q -> "all".equals(q.segment())).toList();
        String primary = m.spec().spec().primaryMetric();
        TreeSet<String> metrics = new TreeSet<>(Comparator.comparing((String s) -> !s.equals(primary)).thenComparing(s -> s));
        all.stream().map(Quality::metric).filter(Report::charted).forEach(metrics::add);
        h.append("<p>Production predictions of each date joined with their labels (segment <code>all</code>), one line per version.</p>\n"
                + "<div class=\"charts\">\n");
        for (String metric : metrics) {
            Map<String, SortedMap<LocalDate, Double>> series = new TreeMap<>();
            all.stream().filter(q -> q.metric().equals(metric) && q.value() != null && !q.value().isNaN())
                    .forEach(q -> series.computeIfAbsent("v" + q.version(), k -> new TreeMap<>()).put(q.date(), q.value()));
            if (!series.isEmpty()) {
                chart(h, "quality", metric, () -> charts.lines(metric + " (" + m.model() + ")", metric, series));
            }
        }
        h.append("</div>\n");
        // the table of every date's headline numbers
        List<String> columns = new ArrayList<>(metrics);
        columns.addAll(COUNTS.stream().filter(c -> all.stream().anyMatch(q -> q.metric().equals(c))).toList());
        Map<String, Map<String, Double>> byDay = new TreeMap<>();
        all.forEach(q -> byDay.computeIfAbsent(q.date() + "|" + q.version(), k -> new LinkedHashMap<>()).put(q.metric(), q.value()));
        h.append("<table>\n<tr><th>prediction date</th><th>version</th>");
        columns.forEach(c -> h.append("<th>").append(esc(c)).append("</th>"));
        h.append("</tr>\n");
        byDay.forEach((k, values) -> {
            String[] dv = k.split("\\|");
            h.append("<tr class=\"quality-day\" data-date=\"").append(dv[0]).append("\" data-version=\"").append(dv[1]).append("\"><td>")
                    .append(dv[0]).append("</td><td>v").append(dv[1]).append("</td>");
            columns.forEach(c -> h.append("<td class=\"n\" data-metric=\"").append(esc(c)).append("\">")
                    .append(COUNTS.contains(c) && !"label_coverage".equals(c) ? count(values.get(c)) : num(values.get(c))).append("</td>"));
            h.append("</tr>\n");
        });
        h.append("</table>\n</section>\n");
    }

    private static void drift(StringBuilder h, ReportData m) {
        open(h, m, "drift", "Drift per feature");
        if (!m.drift().present()) {
            missing(h, m.drift(), "Quality judges drift of each run date's scoring set: mlops quality --model " + m.model() + " --date D");
            h.append("</section>\n");
            return;
        }
        double psi = m.spec().spec().quality().drift().psi();
        h.append("<p>PSI of each feature (and the prediction) against the version's reference profile, per run date; "
                + "<span class=\"drifted-key\">bold red</span> = drifted (PSI &gt; ").append(num(psi))
                .append(" or the null share moved by more than ").append(num(m.spec().spec().quality().drift().nullShare()))
                .append("). Hover a cell for the reasons.</p>\n");
        List<Drift> rows = m.drift().rows().stream().filter(d -> "feature".equals(d.kind()) || "prediction".equals(d.kind())).toList();
        List<LocalDate> dates = rows.stream().map(Drift::date).distinct().sorted().toList();
        Map<String, Map<LocalDate, Drift>> grid = new LinkedHashMap<>();
        rows.stream().sorted(Comparator.comparing((Drift d) -> "prediction".equals(d.kind())).thenComparing(Drift::feature))
                .forEach(d -> grid.computeIfAbsent(d.feature(), k -> new TreeMap<>()).put(d.date(), d));
        h.append("<div class=\"scroll\"><table class=\"heatmap\">\n<tr><th>feature</th>");
        dates.forEach(d -> h.append("<th>").append(d).append("</th>"));
        h.append("</tr>\n");
        grid.forEach((feature, byDate) -> {
            h.append("<tr class=\"drift-feature\" data-feature=\"").append(esc(feature)).append("\"><th>").append(esc(feature)).append("</th>");
            for (LocalDate d : dates) {
                Drift x = byDate.get(d);
                if (x == null) {
                    h.append("<td></td>");
                    continue;
                }
                h.append("<td class=\"drift-cell").append(x.drifted() ? " drifted" : "").append("\" data-date=\"").append(d)
                        .append("\" data-psi=\"").append(num(x.psi())).append("\" style=\"background:").append(heat(x.psi(), psi))
                        .append("\" title=\"").append(esc(x.reasons() == null || x.reasons().isBlank() ? "not drifted" : x.reasons()))
                        .append("\">").append(x.psi() == null ? "-" : String.format(Locale.ROOT, "%.3f", x.psi())).append("</td>");
            }
            h.append("</tr>\n");
        });
        // per day: how many features drifted, and the retrain decision of that run
        Map<LocalDate, long[]> perDay = driftPerDay(m.drift().rows());
        h.append("<tr class=\"drift-total\"><th>drifted features</th>");
        dates.forEach(d -> h.append("<td data-date=\"").append(d).append("\">")
                .append(perDay.containsKey(d) ? perDay.get(d)[1] + "/" + perDay.get(d)[0] : "-").append("</td>"));
        h.append("</tr>\n<tr class=\"drift-retrain\"><th>retrain decision</th>");
        Map<LocalDate, Boolean> retrain = new TreeMap<>();
        m.decisions().rows().stream().filter(d -> "retrain".equals(d.rule())).forEach(d -> retrain.put(d.date(), d.retrain()));
        dates.forEach(d -> h.append("<td data-date=\"").append(d).append("\"").append(Boolean.TRUE.equals(retrain.get(d)) ? " class=\"drifted\"" : "")
                .append('>').append(retrain.containsKey(d) ? (retrain.get(d) ? "retrain" : "no") : "-").append("</td>"));
        h.append("</tr>\n</table></div>\n");
        // the rules behind the retrain decisions
        if (m.decisions().present()) {
            h.append("<table>\n<tr><th>run date</th><th>version</th><th>rule</th><th>metric</th><th>value</th><th>threshold</th><th>fired</th><th>reason</th></tr>\n");
            m.decisions().rows().stream().filter(d -> !"retrain".equals(d.rule()))
                    .sorted(Comparator.comparing(Decision::date).thenComparing(Decision::rule)).forEach(d -> h
                            .append("<tr class=\"decision-rule").append(d.fired() ? " fired" : "").append("\" data-date=\"").append(d.date())
                            .append("\" data-rule=\"").append(esc(d.rule())).append("\"><td>").append(d.date()).append("</td><td>").append(d.version() == null ? "(none)" : "v" + d.version())
                            .append("</td><td>").append(esc(d.rule())).append("</td><td>").append(esc(d.metric())).append("</td><td class=\"n\">")
                            .append(num(d.value())).append("</td><td class=\"n\">").append(esc(Objects.toString(d.comparison(), ""))).append(' ')
                            .append(num(d.threshold())).append("</td><td>").append(d.fired() ? "yes" : "no").append("</td><td>")
                            .append(esc(Objects.toString(d.reason(), ""))).append("</td></tr>\n"));
            h.append("</table>\n");
        }
        h.append("</section>\n");
    }

    /** White at 0, yellow at the threshold, red at twice the threshold and over. */
    static String heat(Double v, double threshold) {
        if (v == null || v.isNaN()) {
            return "#f4f4f4";
        }
        double t = Math.max(0, Math.min(1, v / (2 * threshold)));
        int r;
        int g;
        int b;
        if (t < 0.5) {
            double u = t / 0.5;
            r = 255;
            g = 255;
            b = (int) Math.round(255 * (1 - u) + 120 * u);
        } else {
            double u = (t - 0.5) / 0.5;
            r = (int) Math.round(255 * (1 - u) + 230 * u);
            g = (int) Math.round(255 * (1 - u) + 90 * u);
            b = (int) Math.round(120 * (1 - u) + 80 * u);
        }
        return String.format(Locale.ROOT, "#%02x%02x%02x", r, g, b);
    }

    private void shadow(StringBuilder h, ReportData m) {
        open(h, m, "shadow", "Shadow agreement");
        if (!m.shadow().present()) {
            missing(h, m.shadow(), "Shadow runs while a candidate exists: mlops shadow --model " + m.model() + " --date D");
            h.append("</section>\n");
            return;
        }
        List<Shadow> agreement = overall(m.shadow().rows(), "agreement");
        Map<String, SortedMap<LocalDate, Double>> series = new TreeMap<>();
        agreement.stream().filter(s -> s.value() != null).forEach(s -> series.computeIfAbsent("v" + s.production() + " vs v" + s.candidate(),
                k -> new TreeMap<>()).put(s.date(), s.value()));
        if (!series.isEmpty()) {
            chart(h, "shadow", "agreement", () -> charts.lines("shadow agreement (" + m.model() + ")", "agreement", series));
        }
        h.append("<p>Candidate against production on the same events; the gate asks for agreement &ge; ")
                .append(num(m.spec().spec().shadow().minAgreement())).append(" (shadow.min_agreement) over ")
                .append(esc(String.valueOf(m.spec().spec().shadow().days()))).append(" day(s).</p>\n");
        h.append("<table>\n<tr><th>date</th><th>production</th><th>candidate</th><th>events</th><th>agreement</th><th>pearson</th>"
                + "<th>spearman</th><th>mean shift</th><th>lowest segment</th></tr>\n");
        for (Shadow s : agreement) {
            Shadow worst = m.shadow().rows().stream().filter(x -> x.date().equals(s.date()) && x.production() == s.production()
                    && x.candidate() == s.candidate() && !"all".equals(x.segment()) && "agreement".equals(x.metric()) && x.value() != null)
                    .min(Comparator.comparing(Shadow::value)).orElse(null);
            h.append("<tr class=\"shadow-day\" data-date=\"").append(s.date()).append("\" data-agreement=\"").append(num(s.value()))
                    .append("\"><td>").append(s.date()).append("</td><td>v").append(s.production()).append("</td><td>v").append(s.candidate())
                    .append("</td><td class=\"n\">").append(count(shadowValue(m.shadow().rows(), s, "pairs"))).append("</td><td class=\"n\">")
                    .append(num(s.value())).append("</td><td class=\"n\">").append(num(shadowValue(m.shadow().rows(), s, "pearson")))
                    .append("</td><td class=\"n\">").append(num(shadowValue(m.shadow().rows(), s, "spearman"))).append("</td><td class=\"n\">")
                    .append(num(shadowValue(m.shadow().rows(), s, "mean_shift"))).append("</td><td>")
                    .append(worst == null ? "-" : esc(worst.segment()) + " " + num(worst.value())).append("</td></tr>\n");
        }
        h.append("</table>\n</section>\n");
    }

    private void validation(StringBuilder h, ReportData m) {
        open(h, m, "validation", "Validation results");
        if (!m.validation().present()) {
            missing(h, m.validation(), "Validate checks each ingested day: mlops validate --model " + m.model() + " --date D");
            h.append("</section>\n");
            return;
        }
        List<Check> rows = m.validation().rows();
        List<LocalDate> dates = rows.stream().map(Check::date).distinct().sorted().toList();
        List<String> datasets = rows.stream().map(Check::dataset).distinct().sorted().toList();
        Map<String, Color> colors = new LinkedHashMap<>();
        colors.put("passed", new Color(0x2ca02c));
        colors.put("failed (warning)", new Color(0xffbf00));
        colors.put("failed (error)", new Color(0xd62728));
        Map<String, Map<String, Number>> counts = new LinkedHashMap<>();
        for (LocalDate d : dates) {
            Map<String, Number> c = new LinkedHashMap<>();
            List<Check> day = rows.stream().filter(x -> x.date().equals(d)).toList();
            c.put("passed", day.stream().filter(Check::passed).count());
            c.put("failed (warning)", day.stream().filter(x -> !x.passed() && !"error".equals(x.severity())).count());
            c.put("failed (error)", day.stream().filter(x -> !x.passed() && "error".equals(x.severity())).count());
            counts.put(d.toString(), c);
        }
        chart(h, "validation", "checks", () -> charts.stackedBars("data checks per day (" + m.model() + ")", "checks", colors, counts));
        h.append("<p>Checks passed / declared, per dataset and data date; red: an error-level check failed (the gate stopped the day), "
                + "amber: a warning.</p>\n<table>\n<tr><th>dataset</th>");
        dates.forEach(d -> h.append("<th>").append(d).append("</th>"));
        h.append("</tr>\n");
        for (String ds : datasets) {
            h.append("<tr class=\"dq-dataset\" data-dataset=\"").append(esc(ds)).append("\"><th>").append(esc(ds)).append("</th>");
            for (LocalDate d : dates) {
                List<Check> cell = rows.stream().filter(x -> x.date().equals(d) && x.dataset().equals(ds)).toList();
                if (cell.isEmpty()) {
                    h.append("<td></td>");
                    continue;
                }
                long passed = cell.stream().filter(Check::passed).count();
                boolean error = cell.stream().anyMatch(x -> !x.passed() && "error".equals(x.severity()));
                String failed = cell.stream().filter(x -> !x.passed()).map(x -> x.check() + ": " + Objects.toString(x.message(), ""))
                        .collect(Collectors.joining("\n"));
                h.append("<td class=\"dq-cell ").append(error ? "fail" : passed < cell.size() ? "warn" : "pass").append("\" data-date=\"").append(d)
                        .append("\" data-passed=\"").append(passed).append("\" data-failed=\"").append(cell.size() - passed).append("\" title=\"")
                        .append(esc(failed.isEmpty() ? "all checks passed" : failed)).append("\">").append(passed).append('/').append(cell.size())
                        .append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
        List<Check> failed = rows.stream().filter(x -> !x.passed()).sorted(Comparator.comparing(Check::date).thenComparing(Check::dataset)).toList();
        if (!failed.isEmpty()) {
            h.append("<table>\n<tr><th>date</th><th>dataset</th><th>check</th><th>severity</th><th>message</th></tr>\n");
            failed.forEach(x -> h.append("<tr class=\"dq-failed\"><td>").append(x.date()).append("</td><td>").append(esc(x.dataset()))
                    .append("</td><td>").append(esc(x.check())).append("</td><td>").append(esc(x.severity())).append("</td><td>")
                    .append(esc(Objects.toString(x.message(), ""))).append("</td></tr>\n"));
            h.append("</table>\n");
        }
        h.append("</section>\n");
    }

    private static void timeline(StringBuilder h, ReportData m) {
        open(h, m, "timeline", "Decision timeline");
        if (m.timeline().isEmpty()) {
            h.append("<p class=\"missing\">Nothing yet: the audit ledger has no entry for ").append(esc(m.model()))
                    .append(" in the range.</p>\n</section>\n");
            return;
        }
        h.append("<p>Every decision of the audit ledger (validation gates, registrations, approvals, shadow and quality verdicts, "
                + "promotions and rollbacks), oldest first; <code>mlops audit verify</code> checks the chain.</p>\n");
        h.append("<table>\n<tr><th>seq</th><th>time (UTC)</th><th>data date</th><th>action</th><th>version</th><th>decision</th><th>actor</th>"
                + "<th>reasons</th></tr>\n");
        for (Decided d : m.timeline()) {
            AuditEntry e = d.entry();
            String cls = AuditEntry.PRODUCTION.equals(e.decision()) ? " production"
                    : e.decision() != null && (e.decision().endsWith("failed") || e.decision().equals("fail") || e.decision().endsWith("not_passed")
                    || e.decision().equals("retrain")) ? " attention" : "";
            h.append("<tr class=\"audit-entry").append(cls).append("\" data-seq=\"").append(e.seq()).append("\" data-action=\"").append(esc(e.action()))
                    .append("\"><td class=\"n\">").append(e.seq()).append("</td><td>").append(AT.format(e.at())).append("</td><td>").append(d.dataDate())
                    .append("</td><td>").append(esc(e.action())).append("</td><td>").append(e.version() == null ? "" : "v" + e.version())
                    .append("</td><td>").append(esc(e.decision())).append("</td><td>").append(esc(e.actor())).append("</td><td>");
            if (!e.reasons().isEmpty()) {
                h.append("<ul>");
                e.reasons().forEach(r -> h.append("<li>").append(esc(r)).append("</li>"));
                h.append("</ul>");
            }
            h.append("</td></tr>\n");
        }
        h.append("</table>\n</section>\n");
    }

    /** A chart, or a note when it cannot be drawn here (the data is in the tables either way). */
    private static void chart(StringBuilder h, String section, String name, java.util.function.Supplier<String> svg) {
        String drawn;
        try {
            drawn = svg.get();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (RuntimeException | Error e) {
            // e.g. a JDK without fonts (fontconfig) cannot measure text; the numbers are in the tables below
            h.append("<p class=\"missing\">The chart ").append(esc(name)).append(" could not be drawn: ").append(esc(String.valueOf(e)))
                    .append(" (a JDK without fonts? install fontconfig and a font, e.g. Debian's fonts-dejavu-core)</p>\n");
            return;
        }
        h.append("<figure class=\"chart\" data-chart=\"").append(esc(section)).append(':').append(esc(name)).append("\">").append(drawn)
                .append("</figure>\n");
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static final String CSS = """
            body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
            h1 { margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #1f77b4; padding-bottom: 0.2em; margin-top: 2em; }
            h3 { margin-top: 1.6em; color: #1f4e79; }
            .meta { color: #666; }
            pre.summary { background: #f6f8fa; padding: 1em; overflow-x: auto; font-size: 0.85em; white-space: pre-wrap; }
            table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.85em; }
            th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: left; vertical-align: top; }
            th { background: #f3f3f3; }
            td.n { text-align: right; font-variant-numeric: tabular-nums; }
            td ul { margin: 0; padding-left: 1.1em; }
            .scroll { overflow-x: auto; }
            table.heatmap td { text-align: right; font-variant-numeric: tabular-nums; min-width: 4.5em; }
            td.drifted, .drifted-key { font-weight: bold; color: #a00; }
            td.dq-cell.pass { background: #dff0d8; } td.dq-cell.warn { background: #fff3cd; } td.dq-cell.fail { background: #f8d7da; font-weight: bold; }
            tr.decision-rule.fired td { background: #fdecea; }
            tr.audit-entry.production td { background: #e8f4fd; } tr.audit-entry.attention td { background: #fff4e5; }
            figure.chart { margin: 0.5em 0; max-width: 760px; } figure.chart svg { width: 100%; height: auto; }
            div.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 0.5em 1em; }
            p.missing { color: #8a6d3b; background: #fcf8e3; padding: 0.5em 0.8em; }
            """;
}
