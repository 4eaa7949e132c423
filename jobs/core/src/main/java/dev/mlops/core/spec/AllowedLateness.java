package dev.mlops.core.spec;

import static dev.mlops.core.spec.SpecViolation.check;

import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;

/**
 * How far a row's event time may lie from its data date D before ingest quarantines the row:
 * the accepted window is {@code [D 00:00 - back, D+1 00:00 + forward)}. Default {@code back: 2d},
 * {@code forward: 0d}: the data date itself and the two days before it.
 */
public record AllowedLateness(SpecDuration back, SpecDuration forward) {
    public static final AllowedLateness DEFAULT = new AllowedLateness(null, null);

    public AllowedLateness {
        back = back == null ? SpecDuration.parse("2d") : back;
        forward = forward == null ? SpecDuration.parse("0d") : forward;
        check(back.value().compareTo(Duration.ofDays(3650)) <= 0, "back", "expected at most 3650d, got " + back.text());
        check(forward.value().compareTo(Duration.ofDays(3650)) <= 0, "forward", "expected at most 3650d, got " + forward.text());
    }

    /** The first accepted event time of data date {@code date} (inclusive). */
    public LocalDateTime from(LocalDate date) {
        return date.atStartOfDay().minus(back.value());
    }

    /** The end of the accepted event times of data date {@code date} (exclusive). */
    public LocalDateTime until(LocalDate date) {
        return date.plusDays(1).atStartOfDay().plus(forward.value());
    }
}
