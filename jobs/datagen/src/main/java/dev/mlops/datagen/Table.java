package dev.mlops.datagen;

import java.util.ArrayList;
import java.util.List;

/**
 * A day's rows of one dataset before writing: named columns, rows of cell values (String, Integer, Long, Double,
 * LocalDateTime or null). Mutable so that bad-data injection can rewrite it in place.
 */
final class Table {

    /** One row; {@code truncated} marks a row to be written with a field missing (CSV) or cut off (JSON). */
    static final class Row {
        Object[] values;
        boolean truncated;

        Row(Object... values) {
            this.values = values;
        }
    }

    final List<String> columns;
    final List<Row> rows = new ArrayList<>();

    Table(List<String> columns) {
        this.columns = new ArrayList<>(columns);
    }

    void add(Object... values) {
        if (values.length != columns.size()) {
            throw new IllegalStateException("row has " + values.length + " values, table has columns " + columns);
        }
        rows.add(new Row(values));
    }

    int indexOf(String column) {
        return columns.indexOf(column);
    }

    void dropColumn(String column) {
        int i = indexOf(column);
        if (i < 0) {
            return;
        }
        columns.remove(i);
        for (Row row : rows) {
            Object[] v = new Object[row.values.length - 1];
            System.arraycopy(row.values, 0, v, 0, i);
            System.arraycopy(row.values, i + 1, v, i, v.length - i);
            row.values = v;
        }
    }

    /** Rows [from, to) as a table with the same columns (shares the row objects). */
    Table slice(int from, int to) {
        Table t = new Table(columns);
        t.rows.addAll(rows.subList(from, to));
        return t;
    }
}
