package dev.mlops.core.spec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;

/**
 * What a windowed feature is when its window overlaps a day with no validated data of its source
 * ({@code missing_days}): {@code null} (the default: the value is unknown) or {@code zero} (the
 * day counts as one without rows, as before). In YAML both {@code missing_days: null} and
 * {@code missing_days: "null"} mean {@link #NULL}; an absent key inherits (feature from group,
 * group from the default).
 */
@JsonDeserialize(using = MissingDays.Deserializer.class)
public enum MissingDays {
    NULL, ZERO;

    public static MissingDays parse(String text) {
        for (MissingDays m : values()) {
            if (m.specName().equals(text)) {
                return m;
            }
        }
        throw new SpecViolation("", "expected one of " + names() + ", got '" + text + "'");
    }

    @JsonValue
    public String specName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static String names() {
        return Arrays.stream(values()).map(MissingDays::specName).toList().toString();
    }

    /** An explicit YAML null is {@link #NULL}; an absent key stays null (inherits). */
    static final class Deserializer extends StdDeserializer<MissingDays> {
        private static final long serialVersionUID = 1L;

        Deserializer() {
            super(MissingDays.class);
        }

        @Override
        public MissingDays deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                throw new SpecViolation("", "expected one of " + names() + ", got '" + p.getText() + "'");
            }
            return parse(p.getText());
        }

        @Override
        public MissingDays getNullValue(DeserializationContext ctxt) {
            return NULL;
        }

        @Override
        public Object getAbsentValue(DeserializationContext ctxt) {
            return null;
        }
    }
}
