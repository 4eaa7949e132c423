package dev.mlops.core.athena;

import dev.mlops.core.spec.ColumnSpec;
import dev.mlops.core.spec.ColumnType;
import dev.mlops.core.spec.DatasetSpec;
import dev.mlops.core.spec.ModelSpec;
import java.util.Map;

/**
 * Athena DDL for a model's lake tables, derived from its spec: {@code raw_<dataset>} and
 * {@code validated_<dataset>} (typed, partitioned by dt) and {@code quarantine_<dataset>}
 * (values as text, partitioned by dt and stage). Tables use partition projection, so new
 * partitions need no crawler. {@code ${lake}} and {@code ${database}} are left for the
 * deployment (Terraform) to substitute. The files in {@code sql/athena/} are this output;
 * a test fails when they fall behind a spec. {@link #viewsForModel} is the model's analyst views
 * ({@code sql/athena/views/<model>.sql}), in SQL that Athena (Trino) and Spark SQL both run.
 */
public final class AthenaDdl {
    private AthenaDdl() {
    }

    public static String forModel(ModelSpec spec) {
        StringBuilder sb = new StringBuilder();
        sb.append("-- Generated from dags/models/").append(spec.model()).append(".yaml by `mlops spec --athena`; do not edit.\n");
        sb.append("-- Lake tables of model ").append(spec.model()).append(". ${lake} = lake root, ${database} = Glue database.\n");
        for (Map.Entry<String, DatasetSpec> e : spec.datasets().entrySet()) {
            String ds = e.getKey();
            DatasetSpec d = e.getValue();
            sb.append('\n').append(table("raw_" + ds, "raw/" + ds, typedColumns(d), false,
                    "rows of " + ds + " as ingested, with the schema of the spec (ingest)"));
            sb.append('\n').append(table("validated_" + ds, "validated/" + ds, typedColumns(d), false,
                    "rows of " + ds + " that passed validate: what downstream jobs read"));
            sb.append('\n').append(table("quarantine_" + ds, "quarantine/" + ds, quarantineColumns(d), true,
                    "rows of " + ds + " rejected by ingest (stage=ingest) or validate (stage=validate), values as text"));
        }
        for (var e : spec.features().entrySet()) {
            var g = e.getValue();
            StringBuilder cols = new StringBuilder();
            ColumnType keyType = spec.datasets().get(g.source()).column(g.entity()).orElseThrow().type();
            cols.append("  `").append(g.entity()).append("` ").append(athenaType(keyType)).append(" COMMENT 'entity key',\n");
            cols.append("  `feature_ts` timestamp COMMENT 'from when the row is known (event time, or the end of its bucket)'");
            for (var f : g.features()) {
                cols.append(",\n  `").append(f.name()).append("` ").append(athenaType(f.outputType()));
                if (f.description() != null) {
                    cols.append(" COMMENT '").append(literal(f.description())).append('\'');
                }
            }
            sb.append('\n').append(table("features_" + e.getKey(), "features/" + e.getKey(), cols.toString(), false,
                    "feature group " + e.getKey() + " (offline store): rows per " + g.entity() + (g.granularity() == null ? " and event" : " and " + g.granularity().text())));
        }
        if (spec.training() != null) {
            sb.append('\n').append(predictions(spec));
        }
        return sb.toString();
    }

    /**
     * The model's analyst views: {@code served_versions_<model>}, which version served the
     * predictions of each data date (alias production when scored; the candidate's shadow
     * predictions are never served), with the count, mean score and when they were scored. Empty
     * for a model without training (no predictions table).
     */
    public static String viewsForModel(ModelSpec spec) {
        if (spec.training() == null) {
            return "";
        }
        String m = spec.model();
        return "-- Generated from dags/models/" + m + ".yaml by `mlops spec --athena-views`; do not edit.\n"
                + "-- Analyst views of model " + m + " over its tables (sql/athena/" + m + ".sql). ${database} = Glue database.\n"
                + "\n"
                + "-- Which version served on a date: per data date (dt) the version(s) whose predictions of " + m + " were\n"
                + "-- served (alias production when scored; candidate predictions are shadow only), how many, their mean\n"
                + "-- score and when they were scored. Two rows for one dt: production changed and the date was scored again.\n"
                + "CREATE OR REPLACE VIEW ${database}.served_versions_" + m + " AS\n"
                + "SELECT\n"
                + "  dt,\n"
                + "  model,\n"
                + "  model_version,\n"
                + "  count(*) AS predictions,\n"
                + "  avg(score) AS mean_score,\n"
                + "  min(scored_at) AS first_scored_at,\n"
                + "  max(scored_at) AS last_scored_at\n"
                + "FROM ${database}.predictions_" + m + "\n"
                + "WHERE alias = 'production'\n"
                + "GROUP BY dt, model, model_version;\n"
                + "\n"
                + "-- Example: the version that served each day of March 2024\n"
                + "-- SELECT dt, model_version, predictions FROM ${database}.served_versions_" + m + "\n"
                + "--  WHERE dt BETWEEN '2024-03-01' AND '2024-03-31' ORDER BY dt;\n";
    }

    /** {@code predictions_<model>}: what mlops transform writes, partitioned by data date and model version. */
    private static String predictions(ModelSpec spec) {
        StringBuilder cols = new StringBuilder("  `prediction_id` string COMMENT 'stable id of (model version, event)',\n");
        java.util.Set<String> keys = new java.util.LinkedHashSet<>();
        keys.add(spec.entity());
        DatasetSpec events = spec.datasets().get(spec.label().kind() == dev.mlops.core.spec.LabelSpec.Kind.EXISTS
                ? spec.label().events().dataset() : spec.label().dataset());
        if (spec.label().kind() == dev.mlops.core.spec.LabelSpec.Kind.EXISTS) {
            spec.features().values().forEach(g -> events.column(g.entity()).ifPresent(c -> keys.add(c.name())));
        }
        for (String k : keys) {
            ColumnType t = events.column(k).map(ColumnSpec::type).orElse(ColumnType.STRING);
            cols.append("  `").append(k).append("` ").append(athenaType(t)).append(" COMMENT 'entity key',\n");
        }
        cols.append("  `event_ts` timestamp COMMENT 'the instant scored; labels join on the keys and this',\n")
                .append("  `model` string,\n")
                .append("  `alias` string COMMENT 'production or candidate when scored (candidate predictions are never served)',\n")
                .append("  `score` double COMMENT 'the prediction (probability for classification)',\n")
                .append("  `predicted_class` int COMMENT 'class at the threshold (classification; null for regression)'");
        for (var s : spec.training().slices()) {
            cols.append(",\n  `slice_").append(s.name()).append("` string COMMENT 'slice ").append(s.name()).append('\'');
        }
        cols.append(",\n  `scored_at` timestamp");
        String path = "predictions/" + spec.model();
        return "CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.predictions_" + spec.model() + " (\n" + cols + "\n)\n"
                + "COMMENT 'batch predictions of " + spec.model() + " (mlops transform), one partition per data date and model version'\n"
                + "PARTITIONED BY (dt string, model_version int)\n"
                + "STORED AS PARQUET\n"
                + "LOCATION '${lake}/" + path + "/'\n"
                + "TBLPROPERTIES (\n"
                + "  'projection.enabled' = 'true',\n"
                + "  'projection.dt.type' = 'date',\n"
                + "  'projection.dt.format' = 'yyyy-MM-dd',\n"
                + "  'projection.dt.range' = '2020-01-01,NOW',\n"
                + "  'projection.model_version.type' = 'integer',\n"
                + "  'projection.model_version.range' = '1,500',\n"
                + "  'storage.location.template' = '${lake}/" + path + "/dt=${dt}/model_version=${model_version}/'\n"
                + ");\n";
    }

    private static String table(String name, String path, String columns, boolean staged, String comment) {
        String partitions = staged ? "dt string, stage string" : "dt string";
        String template = staged ? "${lake}/" + path + "/dt=${dt}/stage=${stage}/" : "${lake}/" + path + "/dt=${dt}/";
        return "CREATE EXTERNAL TABLE IF NOT EXISTS ${database}." + name + " (\n" + columns + "\n)\n"
                + "COMMENT '" + literal(comment) + "'\n"
                + "PARTITIONED BY (" + partitions + ")\n"
                + "STORED AS PARQUET\n"
                + "LOCATION '${lake}/" + path + "/'\n"
                + "TBLPROPERTIES (\n"
                + "  'projection.enabled' = 'true',\n"
                + "  'projection.dt.type' = 'date',\n"
                + "  'projection.dt.format' = 'yyyy-MM-dd',\n"
                + "  'projection.dt.range' = '2020-01-01,NOW',\n"
                + (staged ? "  'projection.stage.type' = 'enum',\n  'projection.stage.values' = 'ingest,validate',\n" : "")
                + "  'storage.location.template' = '" + template + "'\n"
                + ");\n";
    }

    private static String typedColumns(DatasetSpec d) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < d.columns().size(); i++) {
            ColumnSpec c = d.columns().get(i);
            sb.append("  `").append(c.name()).append("` ").append(athenaType(c.type()));
            if (c.description() != null) {
                sb.append(" COMMENT '").append(literal(c.description())).append('\'');
            }
            sb.append(i + 1 < d.columns().size() ? ",\n" : "");
        }
        return sb.toString();
    }

    private static String quarantineColumns(DatasetSpec d) {
        StringBuilder sb = new StringBuilder();
        for (ColumnSpec c : d.columns()) {
            sb.append("  `").append(c.name()).append("` string,\n");
        }
        sb.append("  `_reasons` array<string> COMMENT 'why the row was rejected',\n");
        sb.append("  `_source_file` string COMMENT 'landing file (ingest)',\n");
        sb.append("  `_raw_record` string COMMENT 'the raw line when it did not parse as a record (ingest)'");
        return sb.toString();
    }

    /** Text inside a DDL string literal: Hive's (and Athena's, and Spark's) backslash escapes. */
    static String literal(String text) {
        return text.replace("\\", "\\\\").replace("'", "\\'");
    }

    static String athenaType(ColumnType t) {
        return switch (t) {
            case STRING -> "string";
            case INT -> "int";
            case LONG -> "bigint";
            case DOUBLE -> "double";
            case BOOLEAN -> "boolean";
            case DATE -> "date";
            case TIMESTAMP -> "timestamp";
        };
    }
}
