package dev.mlops.cli.pipeline;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.mlops.core.JobException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The plans, from the one place that derives them: the Python plan layer next to the DAGs
 * ({@code python3 -m mlops_plan --env local}, run in the dags directory). Nothing here
 * re-derives a plan from a spec, so what runs locally is what Airflow runs.
 */
public final class PlanSource {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path dagsDir;
    private final Path specsDir;
    private final String python;
    private final String env;
    private final Map<String, Plan> cache = new LinkedHashMap<>();

    public PlanSource(Path dagsDir, Path specsDir, String python) {
        this(dagsDir, specsDir, python, "local");
    }

    /**
     * The plans as the plan layer renders them for {@code env}: {@code local} (the local executor's: no Kubernetes) or
     * a deployment, {@code dags/environments/<env>.yaml} (the pods' images, environment and secrets, as Airflow gets them).
     */
    public PlanSource(Path dagsDir, Path specsDir, String python, String env) {
        this.dagsDir = dagsDir;
        this.specsDir = specsDir;
        this.python = python;
        this.env = env;
    }

    /**
     * The dags directory: $MLOPS_DAGS_DIR, else the parent of the specs directory (dags/models)
     * when it holds the plan layer; the python: $MLOPS_PYTHON, else python3.
     */
    public static PlanSource of(Path specsDir) {
        String env = System.getenv("MLOPS_DAGS_DIR");
        Path dags = env != null && !env.isBlank() ? Path.of(env) : specsDir.toAbsolutePath().getParent();
        if (dags == null || !Files.isRegularFile(dags.resolve("mlops_plan").resolve("plan.py"))) {
            throw JobException.usage("the pipeline plan layer (mlops_plan/plan.py) is not in " + dags + " (the parent of specs_dir "
                    + specsDir + "); expected the repository's dags/ directory: set MLOPS_DAGS_DIR");
        }
        String py = System.getenv("MLOPS_PYTHON");
        return new PlanSource(dags, specsDir.toAbsolutePath(), py != null && !py.isBlank() ? py : "python3");
    }

    public Path dagsDir() {
        return dagsDir;
    }

    /** Every DAG's plan, in the plan layer's order. */
    public synchronized List<Plan> all() {
        if (cache.isEmpty()) {
            String json = invoke();
            try {
                for (Plan p : MAPPER.readValue(json, Plan[].class)) {
                    if (p.planVersion() != Plan.VERSION) {
                        throw JobException.usage("the plan of " + p.dagId() + " has plan_version " + p.planVersion() + "; this mlops reads "
                                + Plan.VERSION + " (rebuild mlops or update dags/)");
                    }
                    cache.put(p.dagId(), p);
                }
            } catch (IOException e) {
                throw JobException.usage("the plan layer printed something that is not a list of plans: " + e.getMessage());
            }
        }
        return List.copyOf(cache.values());
    }

    public Plan get(String dagId) {
        all();
        Plan p = cache.get(dagId);
        if (p == null) {
            throw JobException.usage("no DAG '" + dagId + "'; expected one of " + cache.keySet() + " (from the specs in " + specsDir + ")");
        }
        return p;
    }

    private String invoke() {
        List<String> cmd = new ArrayList<>(Arrays.asList(python, "-m", "mlops_plan", "--env", env, "--specs", specsDir.toString()));
        Process p;
        try {
            p = new ProcessBuilder(cmd).directory(dagsDir.toFile()).redirectErrorStream(false).start();
        } catch (IOException e) {
            throw JobException.usage("cannot run " + python + " (the pipeline plan layer needs Python 3 with PyYAML; Debian: apt-get install "
                    + "python3-yaml; another interpreter: MLOPS_PYTHON): " + e.getMessage());
        }
        try {
            p.getOutputStream().close();
            var out = p.getInputStream().readAllBytes();
            var err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw JobException.retryable("the plan layer did not answer within 60 s", null);
            }
            String stderr = new String(err, StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0) {
                if (stderr.contains("No module named 'yaml'")) {
                    throw JobException.usage("the pipeline plan layer needs PyYAML for " + python + " (Debian: apt-get install python3-yaml)");
                }
                throw JobException.usage("the pipeline plan layer failed (" + String.join(" ", cmd) + " in " + dagsDir + "): " + stderr);
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw JobException.retryable("reading the plan layer's output: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw JobException.retryable("interrupted while waiting for the plan layer", e);
        }
    }
}
