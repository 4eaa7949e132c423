package dev.mlops.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import dev.mlops.cli.pipeline.JobRunner;
import dev.mlops.cli.pipeline.Plan;
import dev.mlops.cli.pipeline.Templates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.startupcheck.StartupCheckStrategy;
import org.testcontainers.utility.DockerImageName;

/**
 * Runs a plan's job task as its KubernetesPodOperator pod would, in the container engine (Testcontainers): the task's
 * image, its arguments as rendered, its environment variables rendered with the run's context (the DAG's
 * {@code {{ run_id }}}), the variables of the Kubernetes secrets it names, the specs ConfigMap mounted read-only at
 * {@code MLOPS_SPECS_DIR}, {@code /airflow/xcom/} mounted so the job's {@code return.json} is read back as the XCom,
 * a read-only root filesystem with a tmpfs {@code /tmp}, the image's own (non-root) user, host networking.
 *
 * <p>What differs from the pod is only where the AWS endpoints are ({@code endpoints}: variables pointing at the local
 * servers, and a config file for S3A) and the identity: the task's service account names its access key id
 * ({@link #accessKeyId}), so every recorded AWS call names the job's role, as IRSA would.
 */
final class PodRunner implements JobRunner {
    /** Where the rehearsal's config file (S3A's endpoint) is mounted in every container. */
    static final String CONFIG_MOUNT = "/etc/mlops/rehearsal.yaml";

    /** One container run: which task, its service account, and how it ended. */
    record PodRun(String dagId, String taskId, String job, String serviceAccount, List<String> arguments, int exitCode, Duration took) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path specsDir;
    private final Map<String, String> endpoints;
    private final Path configFile;
    private final Map<String, Map<String, String>> secrets;
    private final Path work;
    private final AtomicInteger seq = new AtomicInteger();
    private final List<PodRun> runs = new ArrayList<>();

    /**
     * @param specsDir  what the specs ConfigMap holds (dags/models)
     * @param endpoints variables that point the AWS SDKs and the metadata database at the local servers
     * @param configFile the config file mounted at {@link #CONFIG_MOUNT} ({@code MLOPS_CONFIG})
     * @param secrets   Kubernetes secret name => the variables it holds
     * @param work      where XCom directories go
     */
    PodRunner(Path specsDir, Map<String, String> endpoints, Path configFile, Map<String, Map<String, String>> secrets, Path work) {
        this.specsDir = specsDir;
        this.endpoints = endpoints;
        this.configFile = configFile;
        this.secrets = secrets;
        this.work = work;
    }

    synchronized List<PodRun> runs() {
        return List.copyOf(runs);
    }

    /** The container's environment: the task's, rendered, then its secrets' variables, then the rehearsal's endpoints and identity. */
    Map<String, String> environment(Plan.Task task, Templates.Context context) {
        Map<String, String> env = new LinkedHashMap<>();
        task.envVars().forEach((k, v) -> env.put(k, Templates.render(v, context)));
        for (String secret : task.secretEnv()) {
            Map<String, String> vars = secrets.get(secret);
            if (vars == null) {
                throw new IllegalStateException(task.taskId() + " names the Kubernetes secret " + secret + ", which the rehearsal does not have ("
                        + secrets.keySet() + ")");
            }
            env.putAll(vars);
        }
        env.putAll(endpoints);
        env.put("MLOPS_CONFIG", CONFIG_MOUNT);
        env.put("AWS_ACCESS_KEY_ID", accessKeyId(task.serviceAccount()));
        env.put("AWS_SECRET_ACCESS_KEY", "rehearsal");
        return env;
    }

    /**
     * The access key id that names a service account in the rehearsal: its name without what is not a letter or digit
     * (DynamoDB Local refuses any other key id), e.g. mlops-features -> mlopsfeatures.
     */
    static String accessKeyId(String serviceAccount) {
        return serviceAccount.replaceAll("[^A-Za-z0-9]", "");
    }

    @Override
    public JobRun run(Plan plan, Plan.Task task, List<String> arguments, Templates.Context context, Path log) {
        String specsMount = task.envVars().get("MLOPS_SPECS_DIR");
        if (task.specsConfigMap() != null && specsMount == null) {
            throw new IllegalStateException(task.taskId() + ": specs_config_map is set but env_vars has no MLOPS_SPECS_DIR (mlops_dags.py refuses it too)");
        }
        Path xcom = work.resolve("xcom").resolve(plan.dagId() + "-" + context.ds() + "-" + task.taskId() + "-" + seq.incrementAndGet());
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        long t0 = System.nanoTime();
        int exit;
        try {
            Files.createDirectories(xcom);
            Files.setPosixFilePermissions(xcom, PosixFilePermissions.fromString("rwxrwxrwx"));
            try (GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(task.image()))) {
                c.withNetworkMode("host")
                        .withCommand(arguments.toArray(String[]::new))
                        .withEnv(environment(task, context))
                        .withFileSystemBind(xcom.toString(), "/airflow/xcom", BindMode.READ_WRITE)
                        .withFileSystemBind(configFile.toString(), CONFIG_MOUNT, BindMode.READ_ONLY)
                        .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withReadonlyRootfs(true)
                                .withTmpFs(Map.of("/tmp", "rw,exec,nosuid,size=4g")))
                        .withStartupCheckStrategy(new RunToCompletion().withTimeout(Duration.ofMinutes(20)))
                        .withLogConsumer(frame -> (frame.getType() == OutputFrame.OutputType.STDERR ? err : out).append(frame.getUtf8String()));
                if (task.specsConfigMap() != null) {
                    c.withFileSystemBind(specsDir.toString(), specsMount, BindMode.READ_ONLY);
                }
                c.start();
                InspectContainerResponse.ContainerState state = c.getCurrentContainerInfo().getState();
                exit = state.getExitCodeLong().intValue();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        synchronized (this) {
            runs.add(new PodRun(plan.dagId(), task.taskId(), task.job(), task.serviceAccount(), arguments, exit, took));
        }
        writeLog(log, task, arguments, out, err, exit);
        return new JobRun(exit, out.toString(), err.toString(), took, xcom(xcom.resolve("return.json")));
    }

    /** The XCom the job wrote ({@code /airflow/xcom/return.json}), as the provider's sidecar reads it; empty when none. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> xcom(Path file) {
        try {
            return Files.exists(file) ? JSON.readValue(Files.readString(file), Map.class) : Map.of();
        } catch (IOException e) {
            throw new IllegalStateException("the XCom " + file + " is not JSON: " + e.getMessage(), e);
        }
    }

    private static void writeLog(Path log, Plan.Task task, List<String> arguments, CharSequence out, CharSequence err, int exit) {
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(log, "$ " + task.image() + " " + String.join(" ", arguments) + "\n" + out + err + "exit " + exit + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A job container has "started" when it has run to the end, whatever its exit code (a pod's exit code is the task's outcome). */
    static final class RunToCompletion extends StartupCheckStrategy {
        @Override
        public StartupStatus checkStartupState(DockerClient docker, String containerId) {
            InspectContainerResponse.ContainerState state = getCurrentState(docker, containerId);
            return Boolean.TRUE.equals(state.getRunning()) || state.getFinishedAt() == null || state.getFinishedAt().startsWith("0001")
                    ? StartupStatus.NOT_YET_KNOWN : StartupStatus.SUCCESSFUL;
        }
    }
}
