package dev.mlops.cli.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The template language the plan's arguments use, rendered as Airflow's Jinja renders it:
 * {@code {{ EXPR }}} with EXPR = NAME ("or" NAME)* ("|" FILTER)*, NAME one of {@code data_date},
 * {@code ds}, {@code ds_nodash}, {@code run_id}, {@code params.<name>}, FILTER {@code tojson} or
 * {@code lower}. The plan layer refuses anything else (dags/mlops_plan/plan.py), so the two
 * executors cannot diverge; its tests compare the same forms against Jinja itself. A run here has
 * one data date, so {@code data_date} is {@code ds} (Airflow computes it from the run's data
 * interval: plan.py's AIRFLOW_DATA_DATE).
 */
public final class Templates {
    private static final Pattern TEMPLATE = Pattern.compile("\\{\\{\\s*(.*?)\\s*\\}\\}");
    private static final Pattern NAME = Pattern.compile("data_date|ds|ds_nodash|run_id|params\\.[a-z_][a-z0-9_]*");
    // Jinja's tojson: json.dumps(sort_keys=True) with its default separators ", " and ": "
    private static final ObjectMapper JSON = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private Templates() {
    }

    /** The context of one DAG run: the data date and run id, and the run's params. */
    public record Context(String ds, String runId, Map<String, Object> params) {
        Object get(String name) {
            return switch (name) {
                case "ds", "data_date" -> ds;
                case "ds_nodash" -> ds.replace("-", "");
                case "run_id" -> runId;
                default -> params.get(name.substring("params.".length()));
            };
        }
    }

    public static String render(String text, Context ctx) {
        Matcher m = TEMPLATE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(value(m.group(1), ctx)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String value(String expr, Context ctx) {
        String[] parts = expr.split("\\|");
        Object v = null;
        for (String n : parts[0].split(" or ")) {
            String name = n.strip();
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("template name '" + name + "' not supported (data_date, ds, ds_nodash, run_id, params.<name>) in {{ " + expr + " }}");
            }
            v = ctx.get(name);
            if (truthy(v)) {
                break;
            }
        }
        for (int i = 1; i < parts.length; i++) {
            String f = parts[i].strip();
            v = switch (f) {
                case "tojson" -> json(v);
                case "lower" -> text(v).toLowerCase(java.util.Locale.ROOT);
                default -> throw new IllegalArgumentException("template filter '" + f + "' not supported (tojson, lower) in {{ " + expr + " }}");
            };
        }
        return text(v);
    }

    private static boolean truthy(Object v) {
        if (v == null || Boolean.FALSE.equals(v)) {
            return false;
        }
        if (v instanceof String s) {
            return !s.isEmpty();
        }
        if (v instanceof Number n) {
            return n.doubleValue() != 0;
        }
        if (v instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        return !(v instanceof java.util.Collection<?> c) || !c.isEmpty();
    }

    /** Python's str(): True/False, None as "" (Jinja renders None as "None"; the plan never renders a None). */
    private static String text(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof Boolean b) {
            return b ? "True" : "False";
        }
        return v.toString();
    }

    private static String json(Object v) {
        try {
            Object sorted = v instanceof Map<?, ?> m ? new TreeMap<>(m) : v;
            String compact = JSON.writeValueAsString(sorted);
            return pythonSeparators(compact);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot render " + v + " as JSON", e);
        }
    }

    /** Jackson's compact JSON with Python's json.dumps separators (", " and ": ") outside strings. */
    static String pythonSeparators(String compact) {
        StringBuilder sb = new StringBuilder();
        boolean inString = false;
        for (int i = 0; i < compact.length(); i++) {
            char c = compact.charAt(i);
            sb.append(c);
            if (c == '"' && (i == 0 || compact.charAt(i - 1) != '\\')) {
                inString = !inString;
            } else if (!inString && (c == ',' || c == ':')) {
                sb.append(' ');
            }
        }
        return sb.toString();
    }
}
