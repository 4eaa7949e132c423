package dev.mlops.core.cli;

import dev.mlops.core.JobException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** {@code --date D} or {@code --from D1 --to D2} (inclusive), for jobs that run per data date. */
public final class DateRangeOptions {
    /** The largest range a single command accepts (a guard against typos like 2204). */
    public static final int MAX_DAYS = 3660;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Choice choice;

    static final class Choice {
        @Option(names = "--date", paramLabel = "YYYY-MM-DD", description = "the data date")
        LocalDate date;

        @ArgGroup(exclusive = false)
        Range range;
    }

    static final class Range {
        @Option(names = "--from", required = true, paramLabel = "YYYY-MM-DD", description = "first data date of a range")
        LocalDate from;

        @Option(names = "--to", required = true, paramLabel = "YYYY-MM-DD", description = "last data date of a range (inclusive)")
        LocalDate to;
    }

    public boolean isRange() {
        return choice.range != null;
    }

    public List<LocalDate> dates() {
        if (choice.date != null) {
            return List.of(choice.date);
        }
        LocalDate from = choice.range.from;
        LocalDate to = choice.range.to;
        if (to.isBefore(from)) {
            throw JobException.usage("--to " + to + " is before --from " + from + "; expected --from <= --to");
        }
        long days = java.time.temporal.ChronoUnit.DAYS.between(from, to) + 1;
        if (days > MAX_DAYS) {
            throw JobException.usage("--from " + from + " --to " + to + " spans " + days + " days; expected at most " + MAX_DAYS);
        }
        List<LocalDate> out = new ArrayList<>();
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            out.add(d);
        }
        return out;
    }
}
