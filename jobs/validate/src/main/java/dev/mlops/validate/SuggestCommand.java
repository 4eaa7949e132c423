package dev.mlops.validate;

import dev.mlops.core.JobException;
import dev.mlops.core.Platform;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.PlatformCommand;
import dev.mlops.core.spec.LoadedSpec;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mlops validate suggest}: Deequ's constraint suggestions as a ready-to-paste spec snippet. */
@Command(name = "suggest", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = {"Profile a raw partition with Deequ's constraint suggestion and print the suggested checks",
            "as YAML to paste under datasets.<name>.checks in the model spec. Suggestions without an",
            "equivalent check kind are printed as comments."})
public final class SuggestCommand extends PlatformCommand {
    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "model spec name")
    String model;

    @Option(names = "--dataset", required = true, paramLabel = "NAME", description = "dataset to profile")
    String dataset;

    @Option(names = "--date", required = true, paramLabel = "YYYY-MM-DD", description = "the raw partition to profile")
    LocalDate date;

    private static final Pattern COMPLETE = Pattern.compile("\\.isComplete\\(\"([^\"]+)\"\\)");
    private static final Pattern COMPLETENESS = Pattern.compile("\\.hasCompleteness\\(\"([^\"]+)\", _ >= ([0-9.]+)");
    private static final Pattern UNIQUE = Pattern.compile("\\.isUnique\\(\"([^\"]+)\"\\)");
    private static final Pattern NON_NEGATIVE = Pattern.compile("\\.isNonNegative\\(\"([^\"]+)\"\\)");
    private static final Pattern CONTAINED = Pattern.compile("\\.isContainedIn\\(\"([^\"]+)\", Array\\((.*?)\\)(?:, _ >= ([0-9.]+))?");

    @Override
    protected int run(Platform platform) {
        LoadedSpec spec = platform.specs().load(model);
        spec.spec().dataset(dataset);
        Path raw = platform.lake().partition("raw", dataset, date);
        if (!platform.lake().exists(raw)) {
            throw JobException.nothingToDo("no raw partition " + raw + " to profile; ingest the date first");
        }
        List<Map.Entry<String, String>> suggestions = new DeequAdapter(platform.spark()).suggest(platform.spark().read().parquet(raw.toString()));
        out().println("# suggested by Deequ from " + raw + " (" + suggestions.size() + " suggestions); review before use");
        out().println("checks:");
        for (String line : toYaml(suggestions)) {
            out().println(line);
        }
        return 0;
    }

    /** Maps Deequ's suggestion code to the spec's check kinds; others become comments. */
    static List<String> toYaml(List<Map.Entry<String, String>> suggestions) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> s : suggestions) {
            String code = s.getValue();
            Matcher m;
            if ((m = COMPLETE.matcher(code)).find()) {
                out.add("  - {kind: completeness, column: " + m.group(1) + "}");
            } else if ((m = COMPLETENESS.matcher(code)).find()) {
                out.add("  - {kind: completeness, column: " + m.group(1) + ", min: " + m.group(2) + "}");
            } else if ((m = UNIQUE.matcher(code)).find()) {
                out.add("  - {kind: uniqueness, column: " + m.group(1) + "}");
            } else if ((m = NON_NEGATIVE.matcher(code)).find()) {
                out.add("  - {kind: non_negative, column: " + m.group(1) + "}");
            } else if ((m = CONTAINED.matcher(code)).find()) {
                String values = m.group(2).replace("\"", "").replaceAll("\\s*,\\s*", ", ");
                out.add("  - {kind: allowed_values, column: " + m.group(1) + ", values: [" + values + "]"
                        + (m.group(3) == null ? "" : ", min_ratio: " + m.group(3)) + "}");
            } else {
                out.add("  # " + s.getKey() + ": " + code.replaceAll("\\s+", " "));
            }
        }
        return out;
    }
}
