package dev.mlops.core.spec;

import static dev.mlops.core.spec.SpecViolation.check;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * When the model's Airflow DAGs run (dags/mlops_plan builds them from this section): the daily
 * DAG's cron (its data interval is the previous day), the retrain DAG's cron (null: only when
 * the daily DAG's quality decision or a person triggers it) and the deadline of a daily run.
 * The jobs themselves do not read it; it is checked here so a bad value fails at load, naming the key.
 */
public record ScheduleSpec(String daily, String retrain, SpecDuration deadline) {
    private static final Set<String> PRESETS = Set.of("@once", "@hourly", "@daily", "@weekly", "@monthly", "@yearly");
    private static final Pattern FIELD = Pattern.compile("[0-9*/,\\-A-Za-z?]+");
    // after PRESETS and FIELD: the constructor reads them
    public static final ScheduleSpec DEFAULT = new ScheduleSpec(null, null, null);

    public ScheduleSpec {
        daily = daily == null ? "@daily" : daily;
        check(cron(daily), "daily", "expected a cron expression with 5 fields (e.g. \"0 5 * * *\") or one of " + PRESETS + ", got '" + daily + "'");
        check(retrain == null || cron(retrain), "retrain",
                "expected a cron expression with 5 fields (e.g. \"0 2 * * 0\") or one of " + PRESETS + ", got '" + retrain + "'");
    }

    static boolean cron(String s) {
        if (PRESETS.contains(s)) {
            return true;
        }
        String[] f = s.trim().split("\\s+");
        if (f.length != 5) {
            return false;
        }
        for (String x : f) {
            if (!FIELD.matcher(x).matches()) {
                return false;
            }
        }
        return true;
    }
}
