package dev.mlops.datagen;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.time.LocalDateTime;

/**
 * Writes a {@link Table} as JSON lines: one object per row with the columns in order, numbers as JSON numbers,
 * timestamps as ISO strings, nulls written as {@code null}. A truncated row is cut off in the middle of the object.
 */
final class JsonLinesWriter {

    private final JsonFactory factory = new ObjectMapper().getFactory();

    void write(Table table, Writer out) throws IOException {
        try (JsonGenerator g = factory.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.setRootValueSeparator(null);
            for (Table.Row row : table.rows) {
                if (row.truncated) {
                    StringWriter buffer = new StringWriter(256);
                    try (JsonGenerator b = factory.createGenerator(buffer)) {
                        writeObject(b, table, row);
                    }
                    String line = buffer.toString();
                    g.writeRaw(line.substring(0, line.length() / 2));
                } else {
                    writeObject(g, table, row);
                }
                g.writeRaw('\n');
            }
        }
    }

    private static void writeObject(JsonGenerator g, Table table, Table.Row row) throws IOException {
        g.writeStartObject();
        for (int i = 0; i < table.columns.size(); i++) {
            g.writeFieldName(table.columns.get(i));
            writeValue(g, row.values[i]);
        }
        g.writeEndObject();
    }

    private static void writeValue(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof Integer i) {
            g.writeNumber(i);
        } else if (v instanceof Long l) {
            g.writeNumber(l);
        } else if (v instanceof Double d) {
            g.writeNumber(d);
        } else if (v instanceof LocalDateTime t) {
            g.writeString(Values.TIMESTAMP.format(t));
        } else {
            g.writeString(v.toString());
        }
    }
}
