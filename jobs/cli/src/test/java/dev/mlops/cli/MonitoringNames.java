package dev.mlops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Which metric names the jobs emit (parsed from the Prometheus text files of their runs) and which
 * the monitoring files use (the PromQL of the rules, the dashboard's queries, the series of the
 * promtool tests), and the check that the second are among the first. Used by MonitoringRulesTest.
 */
final class MonitoringNames {
    private MonitoringNames() {
    }

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();

    // ------------------------------------------------------------------ what the jobs emit

    /** Metric names as Prometheus stores them (sample names), each with the label names its samples carry. */
    record Emitted(Map<String, Set<String>> labels, Map<String, String> types, List<Path> files) {
        Set<String> names() {
            return labels.keySet();
        }
    }

    /** Every {@code *.prom} file under {@code results}. */
    static Emitted emitted(Path results) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(results)) {
            files = s.filter(p -> p.toString().endsWith(".prom")).sorted().toList();
        }
        Map<String, Set<String>> labels = new TreeMap<>();
        Map<String, String> types = new TreeMap<>();
        for (Path f : files) {
            parseText(Files.readString(f), f.toString(), labels, types);
        }
        return new Emitted(labels, types, files);
    }

    /**
     * The Prometheus text format (0.0.4, and OpenMetrics' TYPE names): {@code # TYPE family type}
     * lines declare families, sample lines {@code name{label="value",...} value [timestamp]} are the
     * series Prometheus stores. The emitted names are the sample names, nothing derived: a summary
     * family F arrives as F_count and F_sum (and F with a quantile label when it has quantiles), a
     * histogram as F_bucket, F_count and F_sum, a counter as F (0.0.4 names the family with _total
     * already) or F_total (OpenMetrics). Each sample must belong to a family the file declares, by one
     * of those names: a name that fits none is an error, not a guess.
     */
    static void parseText(String text, String where, Map<String, Set<String>> labels, Map<String, String> types) {
        Map<String, String> families = new LinkedHashMap<>();
        int n = 0;
        for (String line : text.split("\n")) {
            n++;
            String l = line.strip();
            if (l.isEmpty()) {
                continue;
            }
            if (l.startsWith("#")) {
                String[] p = l.split("\\s+");
                if (p.length >= 4 && p[1].equals("TYPE")) {
                    families.put(p[2], p[3]);
                    types.put(p[2], p[3]);
                }
                continue;
            }
            Sample s = sample(l, where + ":" + n);
            if (familyOf(s.name(), families) == null) {
                throw new IllegalArgumentException(where + ":" + n + ": sample " + s.name() + " belongs to no # TYPE family of the file "
                        + families);
            }
            if (s.value().isEmpty()) {
                throw new IllegalArgumentException(where + ":" + n + ": sample " + s.name() + " has no value");
            }
            labels.computeIfAbsent(s.name(), k -> new TreeSet<>()).addAll(s.labels().keySet());
        }
    }

    static List<String> familyNames(String family, String type) {
        return switch (type) {
            case "summary" -> List.of(family, family + "_count", family + "_sum", family + "_created");
            case "histogram", "gaugehistogram" -> List.of(family + "_bucket", family + "_count", family + "_sum", family + "_created");
            case "counter" -> family.endsWith("_total") ? List.of(family, family.replaceFirst("_total$", "_created"))
                    : List.of(family + "_total", family + "_created");
            default -> List.of(family);
        };
    }

    private static String familyOf(String sample, Map<String, String> families) {
        for (Map.Entry<String, String> f : families.entrySet()) {
            if (familyNames(f.getKey(), f.getValue()).contains(sample)) {
                return f.getKey();
            }
        }
        return null;
    }

    record Sample(String name, Map<String, String> labels, String value) {
    }

    /** One sample line (or a series selector such as promtool's {@code name{l="v"}}, value optional). */
    static Sample sample(String line, String where) {
        int i = 0;
        while (i < line.length() && isNameChar(line.charAt(i), i == 0)) {
            i++;
        }
        String name = line.substring(0, i);
        if (name.isEmpty()) {
            throw new IllegalArgumentException(where + ": no metric name in '" + line + "'");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i = labelSet(line, i + 1, labels, where);
        }
        return new Sample(name, labels, line.substring(i).strip());
    }

    /** Parses {@code l="v", ...}} from {@code i} (after the brace); returns the index after the closing brace. */
    private static int labelSet(String s, int i, Map<String, String> out, String where) {
        while (true) {
            i = skipSpace(s, i);
            if (i >= s.length()) {
                throw new IllegalArgumentException(where + ": unterminated label set in '" + s + "'");
            }
            if (s.charAt(i) == '}') {
                return i + 1;
            }
            int start = i;
            while (i < s.length() && isNameChar(s.charAt(i), i == start)) {
                i++;
            }
            String label = s.substring(start, i);
            i = skipSpace(s, i);
            if (label.isEmpty() || i >= s.length() || s.charAt(i) != '=') {
                throw new IllegalArgumentException(where + ": expected label=\"value\" at " + start + " in '" + s + "'");
            }
            i = skipSpace(s, i + 1);
            if (i >= s.length() || s.charAt(i) != '"') {
                throw new IllegalArgumentException(where + ": expected a quoted value at " + i + " in '" + s + "'");
            }
            StringBuilder v = new StringBuilder();
            i++;
            while (i < s.length() && s.charAt(i) != '"') {
                if (s.charAt(i) == '\\' && i + 1 < s.length()) {
                    char c = s.charAt(++i);
                    v.append(c == 'n' ? '\n' : c);
                } else {
                    v.append(s.charAt(i));
                }
                i++;
            }
            if (i >= s.length()) {
                throw new IllegalArgumentException(where + ": unterminated label value in '" + s + "'");
            }
            out.put(label, v.toString());
            i = skipSpace(s, i + 1);
            if (i < s.length() && s.charAt(i) == ',') {
                i++;
            }
        }
    }

    // ------------------------------------------------------------------ PromQL

    /** A vector selector of an expression: its metric name (null when it has none) and the labels it matches on. */
    record Selector(String metric, Set<String> labels) {
    }

    static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
            "offset", "bool", "atan2");
    /** Keywords followed by a parenthesised list of label names (optional after group_left / group_right). */
    static final Set<String> LABEL_LISTS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
    static final Set<String> AGGREGATIONS = Set.of("sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
            "bottomk", "topk", "quantile", "limitk", "limit_ratio");
    static final Set<String> FUNCTIONS = Set.of("abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh",
            "avg_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh", "count_over_time", "day_of_month",
            "day_of_week", "day_of_year", "days_in_month", "deg", "delta", "deriv", "double_exponential_smoothing", "end", "exp", "floor",
            "histogram_avg", "histogram_count", "histogram_fraction", "histogram_quantile", "histogram_stddev", "histogram_stdvar",
            "histogram_sum", "holt_winters", "hour", "idelta", "increase", "info", "irate", "label_join", "label_replace",
            "last_over_time", "ln", "log10", "log2", "mad_over_time", "max_over_time", "min_over_time", "minute", "month", "pi",
            "predict_linear", "present_over_time", "quantile_over_time", "rad", "rate", "resets", "round", "scalar", "sgn", "sin",
            "sinh", "sort", "sort_by_label", "sort_by_label_desc", "sort_desc", "sqrt", "start", "stddev_over_time",
            "stdvar_over_time", "sum_over_time", "tan", "tanh", "time", "timestamp", "vector", "year");

    /**
     * The vector selectors of a PromQL expression. A small tokenizer, not a parser: strings, {@code [...]}
     * ranges and subqueries, numbers and durations, Grafana variables ({@code $x}, {@code ${x}}) and
     * comments are skipped; keywords and aggregation operators are dropped, and so are the label lists
     * after by/without/on/ignoring/group_left/group_right; a known function followed by '(' is dropped;
     * any other identifier followed by '(' is an error (an unknown function, not a metric); every other
     * identifier is a metric name, with the label names of the braces that follow it. A brace without a
     * name before it is a selector whose metric is its {@code __name__="..."} matcher, or none.
     */
    static List<Selector> selectors(String expr) {
        List<Selector> out = new ArrayList<>();
        String s = expr;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '#') {
                while (i < s.length() && s.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '"' || c == '\'' || c == '`') {
                i = skipString(s, i);
            } else if (c == '[') {
                i = skipBalanced(s, i, '[', ']');
            } else if (c == '$') {
                i++;
                if (i < s.length() && s.charAt(i) == '{') {
                    i = skipBalanced(s, i, '{', '}');
                } else {
                    while (i < s.length() && isNameChar(s.charAt(i), false)) {
                        i++;
                    }
                }
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1)))) {
                i = skipNumber(s, i);
            } else if (c == '{') {
                Map<String, Matcher2> m = new LinkedHashMap<>();
                i = matchers(s, i, m);
                Matcher2 name = m.remove("__name__");
                out.add(new Selector(name != null && name.op().equals("=") ? name.value() : null, m.keySet()));
            } else if (isNameChar(c, true)) {
                int start = i;
                while (i < s.length() && isNameChar(s.charAt(i), false)) {
                    i++;
                }
                String word = s.substring(start, i);
                String lower = word.toLowerCase(Locale.ROOT);
                int next = skipSpace(s, i);
                boolean call = next < s.length() && s.charAt(next) == '(';
                if (KEYWORDS.contains(lower)) {
                    if (LABEL_LISTS.contains(lower) && call) {
                        i = skipBalanced(s, next, '(', ')');
                    }
                } else if (AGGREGATIONS.contains(lower) || lower.equals("inf") || lower.equals("nan")) {
                    // an aggregation operator (its by/without list is a keyword's), or a number
                } else if (call) {
                    if (!FUNCTIONS.contains(word)) {
                        throw new IllegalArgumentException("unknown function " + word + "( in: " + expr);
                    }
                } else {
                    Set<String> labels = new LinkedHashSet<>();
                    if (next < s.length() && s.charAt(next) == '{') {
                        Map<String, Matcher2> m = new LinkedHashMap<>();
                        i = matchers(s, next, m);
                        labels.addAll(m.keySet());
                    }
                    out.add(new Selector(word, labels));
                }
            } else {
                i++;
            }
        }
        return out;
    }

    record Matcher2(String op, String value) {
    }

    /** Parses {@code {l op "v", ...}} at {@code i} (the brace); returns the index after the closing brace. */
    private static int matchers(String s, int i, Map<String, Matcher2> out) {
        i++;
        while (true) {
            i = skipSpace(s, i);
            if (i >= s.length()) {
                throw new IllegalArgumentException("unterminated {...} in: " + s);
            }
            char c = s.charAt(i);
            if (c == '}') {
                return i + 1;
            }
            if (c == ',') {
                i++;
                continue;
            }
            int start = i;
            while (i < s.length() && isNameChar(s.charAt(i), i == start)) {
                i++;
            }
            String label = s.substring(start, i);
            i = skipSpace(s, i);
            int opStart = i;
            while (i < s.length() && "=!~".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            String op = s.substring(opStart, i);
            i = skipSpace(s, i);
            if (label.isEmpty() || !Set.of("=", "!=", "=~", "!~").contains(op) || i >= s.length() || "\"'`".indexOf(s.charAt(i)) < 0) {
                throw new IllegalArgumentException("expected label op \"value\" at " + start + " in: " + s);
            }
            int end = skipString(s, i);
            out.put(label, new Matcher2(op, s.substring(i + 1, end - 1)));
            i = end;
        }
    }

    private static int skipString(String s, int i) {
        char q = s.charAt(i++);
        while (i < s.length() && s.charAt(i) != q) {
            if (s.charAt(i) == '\\' && q != '`') {
                i++;
            }
            i++;
        }
        if (i >= s.length()) {
            throw new IllegalArgumentException("unterminated string in: " + s);
        }
        return i + 1;
    }

    private static int skipBalanced(String s, int i, char open, char close) {
        int depth = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = skipString(s, i);
                continue;
            }
            if (c == open) {
                depth++;
            } else if (c == close && --depth == 0) {
                return i + 1;
            }
            i++;
        }
        throw new IllegalArgumentException("unbalanced " + open + close + " in: " + s);
    }

    /** A number (1, 0.5, 1e-3, 0x1f) or a duration (5m, 1h30m). */
    private static int skipNumber(String s, int i) {
        while (i < s.length()) {
            char c = s.charAt(i);
            if ((c == 'e' || c == 'E') && i + 1 < s.length() && (s.charAt(i + 1) == '+' || s.charAt(i + 1) == '-')) {
                i += 2;
            } else if (Character.isLetterOrDigit(c) || c == '.' || c == '_') {
                i++;
            } else {
                break;
            }
        }
        return i;
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private static boolean isNameChar(char c, boolean first) {
        return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9');
    }

    // ------------------------------------------------------------------ the monitoring files

    /** A PromQL expression of a monitoring file and where it is. */
    record Query(String where, String expr) {
    }

    /** The rule file's expressions ({@code groups[].rules[].expr}, named by alert or record) and the names its recording rules define. */
    record Rules(List<Query> queries, Set<String> recorded) {
    }

    static Rules rules(String yaml, String file) {
        try {
            JsonNode root = YAML.readTree(yaml);
            List<Query> queries = new ArrayList<>();
            Set<String> recorded = new TreeSet<>();
            for (JsonNode g : root.path("groups")) {
                for (JsonNode r : g.path("rules")) {
                    String name = r.hasNonNull("alert") ? "alert " + r.get("alert").asText() : "record " + r.path("record").asText();
                    if (r.hasNonNull("record")) {
                        recorded.add(r.get("record").asText());
                    }
                    queries.add(new Query(file + " group " + g.path("name").asText() + " " + name, r.path("expr").asText()));
                }
            }
            return new Rules(queries, recorded);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\((.*),\\s*[A-Za-z_][A-Za-z0-9_]*\\s*\\)\\s*$", Pattern.DOTALL);

    /**
     * The dashboard's queries: every {@code expr} in the JSON (panel targets, nested rows) and the
     * metric part of {@code label_values(metric, label)} template variables.
     */
    static List<Query> dashboard(String json, String file) {
        try {
            List<Query> out = new ArrayList<>();
            walk(JSON.readTree(json), file, out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void walk(JsonNode n, String where, List<Query> out) {
        if (n.isObject()) {
            String here = n.hasNonNull("title") ? where + " / " + n.get("title").asText() : n.hasNonNull("name") ? where + " / $" + n.get("name").asText() : where;
            if (n.path("expr").isTextual()) {
                out.add(new Query(here + (n.hasNonNull("refId") ? " " + n.get("refId").asText() : ""), n.get("expr").asText()));
            }
            if ("query".equals(n.path("type").asText())) {
                JsonNode q = n.path("query");
                String text = q.isTextual() ? q.asText() : q.path("query").asText("");
                Matcher m = LABEL_VALUES.matcher(text);
                if (m.matches()) {
                    out.add(new Query(here + " label_values", m.group(1)));
                } else if (!text.isBlank()) {
                    out.add(new Query(here, text));
                }
            }
            n.fields().forEachRemaining(e -> walk(e.getValue(), here, out));
        } else if (n.isArray()) {
            n.forEach(c -> walk(c, where, out));
        }
    }

    /** The input series of a promtool test file, as selectors. */
    static List<Query> promtoolSeries(String yaml, String file) {
        try {
            List<Query> out = new ArrayList<>();
            int t = 0;
            for (JsonNode test : YAML.readTree(yaml).path("tests")) {
                t++;
                for (JsonNode s : test.path("input_series")) {
                    out.add(new Query(file + " test " + t + " input_series", s.path("series").asText()));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ the check

    /** The result: every problem (one line each) and the metric names used but not emitted. */
    record Check(List<String> problems, Set<String> missing, Set<String> used) {
    }

    /**
     * Every metric of every query must be emitted by a job (or be defined by a recording rule of the
     * rules file), and every label a selector matches on must be one that metric's samples carry.
     */
    static Check check(Emitted emitted, Set<String> recorded, List<Query> queries) {
        List<String> problems = new ArrayList<>();
        Set<String> missing = new TreeSet<>();
        Set<String> used = new TreeSet<>();
        for (Query q : queries) {
            List<Selector> selectors;
            try {
                selectors = selectors(q.expr());
            } catch (IllegalArgumentException e) {
                problems.add(q.where() + ": " + e.getMessage());
                continue;
            }
            if (selectors.isEmpty()) {
                problems.add(q.where() + ": no metric in " + q.expr().strip());
            }
            for (Selector sel : selectors) {
                if (sel.metric() == null) {
                    problems.add(q.where() + ": a selector without a metric name in " + q.expr().strip());
                    continue;
                }
                used.add(sel.metric());
                if (recorded.contains(sel.metric())) {
                    continue;
                }
                Set<String> has = emitted.labels().get(sel.metric());
                if (has == null) {
                    missing.add(sel.metric());
                    problems.add(q.where() + ": " + sel.metric() + " is not emitted by any job run");
                    continue;
                }
                for (String l : sel.labels()) {
                    if (!has.contains(l)) {
                        problems.add(q.where() + ": " + sel.metric() + " has no label " + l + " (its labels: " + new TreeSet<>(has) + ")");
                    }
                }
            }
        }
        return new Check(problems, missing, used);
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
