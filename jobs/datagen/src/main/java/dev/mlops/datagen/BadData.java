package dev.mlops.datagen;

import java.time.LocalDate;
import java.util.function.UnaryOperator;

/**
 * Injects a {@link BadDataKind} into a day's table of a main dataset. Row selection is seeded per (seed, dataset, date),
 * independent of the generation stream, so the untouched rows are exactly those of a normal day.
 *
 * @param dataset         dataset name (for seeding)
 * @param missingColumn   column dropped by {@link BadDataKind#MISSING_COLUMN}
 * @param typeColumn      column rewritten as text by {@link BadDataKind#TYPE_CHANGE}
 * @param typeChange      how a value of {@code typeColumn} becomes text
 * @param timestampColumn column that gets an unparsable timestamp in malformed rows
 * @param numberColumn    double column that gets "n/a" in malformed rows
 * @param rangeColumn     double column that gets {@code rangeValue} in out-of-range rows
 * @param rangeValue      the impossible value
 */
record BadData(String dataset, String missingColumn, String typeColumn, UnaryOperator<Object> typeChange,
               String timestampColumn, String numberColumn, String rangeColumn, double rangeValue) {

    /** Share of rows garbled on a malformed day. */
    static final double MALFORMED_SHARE = 0.01;
    /** Share of rows with an impossible value on an out-of-range day: above the bundled specs' max_quarantine_ratio (0.05). */
    static final double OUT_OF_RANGE_SHARE = 0.10;
    /** Share of rows with an impossible value on a few-out-of-range day: well within max_quarantine_ratio. */
    static final double FEW_OUT_OF_RANGE_SHARE = 0.005;
    static final String BAD_TIMESTAMP = "2024-13-45 25:61";
    static final String BAD_NUMBER = "n/a";

    void apply(Table table, BadDataKind kind, long seed, LocalDate date) {
        switch (kind) {
            case MISSING_COLUMN -> table.dropColumn(missingColumn);
            case TYPE_CHANGE -> {
                int c = table.indexOf(typeColumn);
                if (c >= 0) {
                    for (Table.Row row : table.rows) {
                        row.values[c] = typeChange.apply(row.values[c]);
                    }
                }
            }
            case MALFORMED -> malform(table, Rng.of(seed, "bad", dataset, date));
            case OUT_OF_RANGE, FEW_OUT_OF_RANGE -> {
                int c = table.indexOf(rangeColumn);
                double share = kind == BadDataKind.OUT_OF_RANGE ? OUT_OF_RANGE_SHARE : FEW_OUT_OF_RANGE_SHARE;
                for (int i : pick(table.rows.size(), share, Rng.of(seed, "range", dataset, date))) {
                    table.rows.get(i).values[c] = rangeValue;
                }
            }
        }
    }

    /** Distinct row indexes, {@code share} of the rows (at least one). */
    private static int[] pick(int n, double share, Rng rng) {
        if (n == 0) {
            return new int[0];
        }
        int count = (int) Math.max(1, Math.round(n * share));
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        for (int j = 0; j < count; j++) {
            int k = j + rng.nextInt(n - j);
            int t = idx[j];
            idx[j] = idx[k];
            idx[k] = t;
        }
        return java.util.Arrays.copyOf(idx, count);
    }

    private void malform(Table table, Rng rng) {
        int n = table.rows.size();
        if (n == 0) {
            return;
        }
        int count = (int) Math.max(1, Math.round(n * MALFORMED_SHARE));
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        int ts = table.indexOf(timestampColumn);
        int num = table.indexOf(numberColumn);
        for (int j = 0; j < count; j++) {
            int k = j + rng.nextInt(n - j); // partial Fisher-Yates: distinct rows
            int t = idx[j];
            idx[j] = idx[k];
            idx[k] = t;
            Table.Row row = table.rows.get(idx[j]);
            int flavour = j % 3;
            if (flavour == 1 && ts >= 0) {
                row.values[ts] = BAD_TIMESTAMP;
            } else if (flavour == 2 && num >= 0) {
                row.values[num] = BAD_NUMBER;
            } else {
                row.truncated = true;
            }
        }
    }
}
