package dev.mlops.datagen;

import java.io.IOException;
import java.io.Writer;
import java.util.List;

/** Writes a {@link Table} as CSV: header row, comma separator, RFC-4180 quoting where needed, empty field for null, LF line ends. */
final class CsvWriter {

    private CsvWriter() {
    }

    static void write(Table table, Writer out) throws IOException {
        writeLine(out, table.columns.toArray(), table.columns.size());
        for (Table.Row row : table.rows) {
            // a truncated row loses its last field: one separator fewer than the header
            writeLine(out, row.values, row.truncated ? row.values.length - 1 : row.values.length);
        }
    }

    private static void writeLine(Writer out, Object[] values, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                out.write(',');
            }
            String s = Values.text(values[i]);
            if (s != null) {
                out.write(quote(s));
            }
        }
        out.write('\n');
    }

    /** The field as written: quoted (with doubled quotes) when it holds a comma, quote or line break. */
    static String quote(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    static String header(List<String> columns) {
        return String.join(",", columns);
    }
}
