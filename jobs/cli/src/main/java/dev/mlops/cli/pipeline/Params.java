package dev.mlops.cli.pipeline;

import dev.mlops.core.JobException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A DAG run's params: the plan's declared params (JSON-schema-like, as Airflow's {@code Param}
 * validates them in the trigger form) with their defaults, overridden by the given values,
 * each checked against its type, enum, pattern and date format. Unknown names and missing
 * required values are usage errors naming the param and what was expected.
 */
final class Params {
    private Params() {
    }

    static Map<String, Object> resolve(Plan plan, Map<String, Object> given) {
        for (String k : given.keySet()) {
            if (!plan.params().containsKey(k)) {
                throw JobException.usage(plan.dagId() + ": unknown param '" + k + "'; expected one of " + plan.params().keySet());
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (var e : plan.params().entrySet()) {
            String name = e.getKey();
            Map<String, Object> schema = e.getValue();
            boolean has = given.containsKey(name);
            if (!has && !schema.containsKey("default")) {
                throw JobException.usage(plan.dagId() + ": param '" + name + "' is required (" + schema.getOrDefault("description", "") + "): pass --param "
                        + name + "=VALUE");
            }
            Object v = has ? coerce(plan, name, schema, given.get(name)) : schema.get("default");
            check(plan, name, schema, v);
            out.put(name, v);
        }
        return out;
    }

    private static List<String> types(Map<String, Object> schema) {
        Object t = schema.get("type");
        if (t instanceof List<?> l) {
            return l.stream().map(String::valueOf).toList();
        }
        return t == null ? List.of() : List.of(String.valueOf(t));
    }

    /** A value given as text (--param name=value) becomes the schema's type. */
    private static Object coerce(Plan plan, String name, Map<String, Object> schema, Object v) {
        if (!(v instanceof String s)) {
            return v;
        }
        List<String> types = types(schema);
        if (types.contains("null") && (s.isEmpty() || s.equals("null"))) {
            return null;
        }
        if (types.contains("boolean")) {
            if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
                return Boolean.parseBoolean(s);
            }
            throw bad(plan, name, "true or false", s);
        }
        if (types.contains("integer")) {
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException ex) {
                throw bad(plan, name, "an integer", s);
            }
        }
        if (types.contains("number")) {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException ex) {
                throw bad(plan, name, "a number", s);
            }
        }
        if (types.contains("object")) {
            try {
                return dev.mlops.core.json.Json.read(s, LinkedHashMap.class);
            } catch (IllegalArgumentException ex) {
                throw bad(plan, name, "a JSON object", s);
            }
        }
        return s;
    }

    private static void check(Plan plan, String name, Map<String, Object> schema, Object v) {
        List<String> types = types(schema);
        if (v == null) {
            if (!types.isEmpty() && !types.contains("null")) {
                throw bad(plan, name, "a value of type " + types, "null");
            }
            return;
        }
        boolean typed = types.isEmpty()
                || types.contains("string") && v instanceof String
                || types.contains("boolean") && v instanceof Boolean
                || (types.contains("integer") || types.contains("number")) && v instanceof Number
                || types.contains("object") && v instanceof Map;
        if (!typed) {
            throw bad(plan, name, "a value of type " + types, String.valueOf(v));
        }
        if (schema.get("enum") instanceof List<?> allowed && !allowed.contains(v)) {
            throw bad(plan, name, "one of " + allowed, String.valueOf(v));
        }
        if (schema.get("pattern") instanceof String p && v instanceof String s && !s.matches(p)) {
            throw bad(plan, name, "text matching " + p, s);
        }
        if ("date".equals(schema.get("format")) && v instanceof String s) {
            try {
                LocalDate.parse(s);
            } catch (DateTimeParseException ex) {
                throw bad(plan, name, "a date YYYY-MM-DD", s);
            }
        }
    }

    private static JobException bad(Plan plan, String name, String expected, String got) {
        return JobException.usage(plan.dagId() + ": param '" + name + "': expected " + expected + ", got '" + got + "'");
    }
}
