package dev.mlops.core.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A duration written as {@code 30m}, {@code 12h}, {@code 7d} or {@code 2w} in specs. */
public record SpecDuration(Duration value, String text) {
    private static final Pattern FORMAT = Pattern.compile("(\\d+)([smhdw])");

    @JsonCreator
    public static SpecDuration parse(String text) {
        Matcher m = text == null ? null : FORMAT.matcher(text.trim());
        if (m == null || !m.matches()) {
            throw new SpecViolation("", "expected a duration like 30m, 12h, 7d or 2w, got '" + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofDays(7 * n);
        };
        return new SpecDuration(d, text.trim());
    }

    @JsonValue
    @Override
    public String text() {
        return text;
    }
}
