package dev.mlops.cli;

import dev.mlops.core.testing.AthenaSql;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The Athena DDL and the analyst views in Spark SQL over the tiny lifecycle's lake ({@link AthenaViewsContract}: the
 * checks, shared with Trino's {@link AthenaViewsTrinoTest}). Spark has no Hive metastore here: the tables are Spark data
 * source tables ({@link AthenaSql.Table#spark}), their partitions recovered with MSCK REPAIR TABLE.
 */
class AthenaViewsTest extends AthenaViewsContract {
    static final String DB = "athena_views_test";

    @Override
    String engine() {
        return "Spark SQL";
    }

    @Override
    List<String> create(String modelDdl, String modelViews) throws Exception {
        spark.sql("DROP DATABASE IF EXISTS " + DB + " CASCADE");
        spark.sql("CREATE DATABASE " + DB);
        List<String> ddl = new ArrayList<>(AthenaSql.files(AthenaSql.athenaDir()));
        ddl.addAll(AthenaSql.statements(modelDdl));
        for (String statement : ddl) {
            AthenaSql.Table t = AthenaSql.table(statement, DB, lake);
            spark.sql(t.spark());
            // Spark knows no partition projection: it reads the partitions the catalog lists, so they are recovered
            if (Files.isDirectory(Paths.get(URI.create(t.location())))) {
                spark.sql("MSCK REPAIR TABLE " + DB + "." + t.name());
            }
        }
        List<String> statements = new ArrayList<>(AthenaSql.files(AthenaSql.athenaDir().resolve("views")));
        statements.addAll(AthenaSql.statements(modelViews));
        List<String> names = new ArrayList<>();
        for (String statement : statements) {
            AthenaSql.View v = AthenaSql.view(statement, DB);
            spark.sql(v.sql());
            names.add(v.name());
        }
        return names;
    }

    @Override
    List<Row> sql(String query) {
        return spark.sql(query.replace("${database}", DB)).collectAsList().stream()
                .map(r -> new Row(IntStream.range(0, r.length()).mapToObj(r::get).toList())).toList();
    }

    @Override
    long readEveryColumn(String table) {
        return spark.table(DB + "." + table).collectAsList().size();
    }
}
