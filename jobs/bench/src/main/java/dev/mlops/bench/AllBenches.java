package dev.mlops.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs the benchmarks one after the other, each in a JVM of its own (same java, JVM flags and
 * class path as this one, environment passed through, e.g. BENCH_ROWS), so one does not inherit
 * the other's JIT, heap or Spark state. Arguments pick and order them: {@code ingest},
 * {@code validate}, {@code features}, {@code train}, {@code transform}, {@code drift} (default: all six). Exits with the worst exit code.
 */
public final class AllBenches {
    private AllBenches() {
    }

    public static void main(String[] args) throws Exception {
        List<String> names = args.length == 0 ? List.of("ingest", "validate", "features", "train", "transform", "drift") : List.of(args);
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        List<String> jvmFlags = ManagementFactory.getRuntimeMXBean().getInputArguments();
        String classPath = System.getProperty("java.class.path");
        int worst = 0;
        for (String name : names) {
            Class<?> main = switch (name.toLowerCase(Locale.ROOT)) {
                case "ingest" -> IngestBench.class;
                case "validate" -> ValidateBench.class;
                case "features" -> FeaturesBench.class;
                case "train" -> TrainBench.class;
                case "transform" -> TransformBench.class;
                case "drift" -> DriftBench.class;
                default -> throw new IllegalArgumentException("unknown benchmark '" + name + "': expected ingest, validate, features, train, transform or drift");
            };
            List<String> cmd = new ArrayList<>();
            cmd.add(java);
            cmd.addAll(jvmFlags);
            cmd.add("-classpath");
            cmd.add(classPath);
            cmd.add(main.getName());
            System.err.println("benches: running " + main.getSimpleName());
            int code = new ProcessBuilder(cmd).inheritIO().start().waitFor();
            System.err.println("benches: " + main.getSimpleName() + " exited " + code);
            worst = Math.max(worst, code);
        }
        System.exit(worst);
    }
}
