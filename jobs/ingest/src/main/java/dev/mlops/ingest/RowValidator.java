package dev.mlops.ingest;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_compact;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import dev.mlops.core.spec.ColumnSpec;
import dev.mlops.core.spec.ColumnType;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Enforces a dataset schema on rows read as strings: casts each column to its spec type and
 * lists, per row, every reason it cannot be used (a value that does not parse as its type, a
 * missing required value, a malformed record, an event time outside the data date's window).
 * Rows with no reason are valid.
 *
 * <p>Input columns: each spec column as string (null when absent), {@value #CORRUPT} and
 * {@value #SOURCE}. Output adds, per spec column {@code c}, the typed value in {@code c} and the
 * raw text in {@code __raw_c}, plus {@value #REASONS} (array of strings).
 */
final class RowValidator {
    static final String CORRUPT = "_corrupt_record";
    static final String SOURCE = "_source_file";
    static final String REASONS = "_reasons";
    static final String RAW_PREFIX = "__raw_";
    static final String FAIL_PREFIX = "__fail_";

    private RowValidator() {
    }

    /**
     * The event times a data date accepts: {@code [from, until)} of {@code column} (see
     * {@code allowed_lateness} in the spec); {@code from} and {@code until} are
     * {@code yyyy-MM-dd HH:mm:ss} texts, read in the session time zone like the column's values.
     */
    record EventWindow(String column, String from, String until, String describe) {
    }

    static Dataset<Row> validate(Dataset<Row> strings, List<ColumnSpec> columns) {
        return validate(strings, columns, null);
    }

    static Dataset<Row> validate(Dataset<Row> strings, List<ColumnSpec> columns, EventWindow window) {
        // three projections so each value is trimmed and cast once: Spark does not collapse projections
        // when that would evaluate a non-trivial expression twice
        List<Column> text = new ArrayList<>();
        for (ColumnSpec c : columns) {
            Column raw = col(c.name());
            text.add(when(trim(raw).equalTo(""), lit(null).cast("string")).otherwise(raw).alias(RAW_PREFIX + c.name()));
        }
        text.add(col(SOURCE));
        text.add(col(CORRUPT));
        List<Column> typed = new ArrayList<>();
        for (ColumnSpec c : columns) {
            typed.add(cast(col(RAW_PREFIX + c.name()), c.type()).alias(c.name()));
            typed.add(col(RAW_PREFIX + c.name()));
        }
        typed.add(col(SOURCE));
        typed.add(col(CORRUPT));
        List<Column> out = new ArrayList<>();
        List<Column> reasons = new ArrayList<>();
        Column corrupt = col(CORRUPT).isNotNull();
        reasons.add(when(corrupt, lit("malformed record: wrong number of fields or invalid JSON")));
        for (ColumnSpec c : columns) {
            Column raw = col(RAW_PREFIX + c.name());
            Column fails = raw.isNotNull().and(col(c.name()).isNull());
            out.add(col(c.name()));
            out.add(raw);
            out.add(fails.and(corrupt.unary_$bang()).alias(FAIL_PREFIX + c.name()));
            reasons.add(when(fails, concat(lit(c.name() + ": '"), substring(raw, 1, 60), lit("' is not a valid " + c.type().specName()))));
            if (c.required()) {
                reasons.add(when(raw.isNull(), lit(c.name() + ": required value is missing")));
            }
            if (window != null && c.name().equals(window.column())) {
                Column t = col(c.name()).cast("timestamp");
                Column outside = t.lt(lit(window.from()).cast("timestamp")).or(t.geq(lit(window.until()).cast("timestamp")));
                reasons.add(when(t.isNotNull().and(outside), concat(lit(c.name() + ": '"), substring(raw, 1, 60),
                        lit("' is not within " + window.describe()))));
            }
        }
        out.add(col(SOURCE));
        out.add(col(CORRUPT));
        out.add(array_compact(array(reasons.toArray(Column[]::new))).alias(REASONS));
        return strings.select(text.toArray(Column[]::new)).select(typed.toArray(Column[]::new)).select(out.toArray(Column[]::new));
    }

    static Column valid() {
        return size(col(REASONS)).equalTo(0);
    }

    private static Column cast(Column text, ColumnType type) {
        return switch (type) {
            case STRING -> text;
            case BOOLEAN -> when(text.isin("true", "false", "TRUE", "FALSE", "True", "False", "1", "0"), text.cast("boolean"));
            default -> trim(text).cast(type.sqlType());
        };
    }
}
