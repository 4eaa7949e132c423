package dev.mlops.deploy;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.dockerjava.api.DockerClient;
import dev.mlops.cli.pipeline.Plan;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.testcontainers.DockerClientFactory;

/**
 * The job images in the container engine: built from the jars Maven built by {@code images/build.sh} (the script
 * {@code make images} runs), and tagged with the references the plan gives the pods ({@code <registry>/<prefix><job>:<tag>},
 * as ECR would serve them), so a container starts from exactly the image name its pod spec names.
 */
final class Images {
    /** The tag images/build.sh gives by default: the Maven project version (dags/environments/dev.yaml's image.tag). */
    static final String TAG = System.getProperty("mlops.version", "0.1.0-SNAPSHOT");

    private Images() {
    }

    /**
     * Skips (saying why) where no container engine answers, unless {@code MLOPS_REQUIRE_ENGINE=1} (make test sets it when
     * it started one: then a missing engine fails the test).
     */
    static void requireEngine(String test) {
        boolean available = DockerClientFactory.instance().isDockerAvailable();
        if (!available && "1".equals(System.getenv("MLOPS_REQUIRE_ENGINE"))) {
            throw new IllegalStateException(test + ": MLOPS_REQUIRE_ENGINE=1 but no container engine answers (images/engine.sh start)");
        }
        assumeTrue(available, test + " skipped: no container engine answers (start one: images/engine.sh start, or make test, which does)");
    }

    /** Builds every job image (and the base, and the local JRE image when missing) with images/build.sh; prints its report. */
    static void build(Path repo) {
        long t0 = System.nanoTime();
        String out = Processes.run(List.of("bash", repo.resolve("images/build.sh").toString()), repo, "", 1800);
        System.out.printf("images/build.sh: %.0f s%n%s%n", (System.nanoTime() - t0) / 1e9, out.strip());
    }

    /** Tags mlops-<job>:<tag> with each job task's image reference (the registry's name for it). */
    static Map<String, String> tagAsDeployed(List<Plan> plans) {
        DockerClient docker = DockerClientFactory.instance().client();
        Map<String, String> tagged = new TreeMap<>();
        for (Plan p : plans) {
            for (Plan.Task t : p.tasks()) {
                if (!"job".equals(t.kind()) || tagged.containsKey(t.image())) {
                    continue;
                }
                String local = "mlops-" + t.job() + ":" + TAG;
                int colon = t.image().lastIndexOf(':');
                docker.tagImageCmd(local, t.image().substring(0, colon), t.image().substring(colon + 1)).exec();
                tagged.put(t.image(), local);
            }
        }
        return tagged;
    }
}
