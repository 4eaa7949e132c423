package dev.mlops.core.spec;

import dev.mlops.core.JobException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Finds model specs: {@code <model>.yaml} in the specs directory ({@code dags/models} by
 * default), or, when that directory does not exist (inside a job image), the copies shipped
 * in the jar under {@code mlops/models/}.
 */
public final class SpecRepository {
    private static final String CLASSPATH_DIR = "mlops/models/";
    private static final List<String> BUNDLED = List.of("zone_demand", "trip_risk");

    private final Path dir;

    public SpecRepository(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    public LoadedSpec load(String model) {
        if (model == null || !model.matches("[a-z][a-z0-9_]*")) {
            throw JobException.usage("--model: expected a model name like 'zone_demand', got '" + model + "'");
        }
        if (dir != null && Files.isDirectory(dir)) {
            Path file = dir.resolve(model + ".yaml");
            if (!Files.exists(file)) {
                file = dir.resolve(model + ".yml");
            }
            if (!Files.exists(file)) {
                throw JobException.usage("no spec for model '" + model + "': expected " + dir.resolve(model + ".yaml")
                        + " (models found: " + models() + ")");
            }
            try {
                return SpecLoader.load(file.toString(), Files.readString(file), model);
            } catch (IOException e) {
                throw JobException.usage("cannot read spec " + file + ": " + e.getMessage());
            }
        }
        try (InputStream in = SpecRepository.class.getClassLoader().getResourceAsStream(CLASSPATH_DIR + model + ".yaml")) {
            if (in == null) {
                throw JobException.usage("no spec for model '" + model + "': specs directory " + dir
                        + " does not exist and no bundled spec has that name (bundled: " + BUNDLED + ")");
            }
            return SpecLoader.load("classpath:" + CLASSPATH_DIR + model + ".yaml",
                    new String(in.readAllBytes(), StandardCharsets.UTF_8), model);
        } catch (IOException e) {
            throw JobException.usage("cannot read bundled spec " + model + ": " + e.getMessage());
        }
    }

    /** Names of the models with a spec, sorted. */
    public List<String> models() {
        if (dir != null && Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                List<String> out = new ArrayList<>();
                files.map(p -> p.getFileName().toString())
                        .filter(n -> n.endsWith(".yaml") || n.endsWith(".yml"))
                        .map(n -> n.substring(0, n.lastIndexOf('.')))
                        .sorted()
                        .forEach(out::add);
                return out;
            } catch (IOException e) {
                throw JobException.usage("cannot list specs in " + dir + ": " + e.getMessage());
            }
        }
        return BUNDLED;
    }
}
