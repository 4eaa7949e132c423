package dev.mlops.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.model.ContainerConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.containers.startupcheck.StartupCheckStrategy;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.DockerStatus;

/**
 * The job images. Without an engine: every step module has an image whose Dockerfile copies the jar the build
 * produces, whose entrypoint runs the main class that jar has, whose Class-Path the base's lib/ satisfies, as a
 * non-root user, and the build context lets through exactly what the Dockerfiles copy. With the engine that
 * {@code images/engine.sh start} brings up (Debian's docker.io; {@code make test} starts it first): the images are
 * built with {@code images/build.sh}, as {@code make images} does, then each runs {@code --version}, {@code --help}
 * and a usage error (exit 2) with Testcontainers as a pod would run it: its own user, a read-only root filesystem,
 * /tmp a tmpfs, the host network; and its configuration (user, labels, entrypoint) is checked.
 *
 * <p>Where no engine can start (not root, no dockerd and no apt-get: engine.sh exits 2) the image part is skipped and
 * says why, and the jars run on this JVM with the entrypoint's command instead. Where one should have started and did
 * not, it fails.
 */
class ImagesIT {
    static final Path ROOT = Paths.get("").toAbsolutePath().getParent().getParent();
    static final Pattern COPY_JAR = Pattern.compile("(?m)^COPY (jobs/[a-z]+/target/[^ ]+\\.jar) (\\S+)$");
    static final Pattern COPY = Pattern.compile("(?m)^COPY (?:--\\S+ )*(\\S+) \\S+$");
    static final Pattern ENTRYPOINT = Pattern.compile("(?m)^ENTRYPOINT (\\[.*])$");
    static final Pattern USER = Pattern.compile("(?m)^USER (\\S+)$");
    static final Pattern LABEL = Pattern.compile("(org\\.opencontainers\\.image\\.[a-z.]+|dev\\.mlops\\.[a-z.-]+)=\"([^\"]*)\"");
    static final String VERSION = System.getProperty("mlops.version", "0.1.0-SNAPSHOT");
    static final String TAG = System.getenv().getOrDefault("IMAGE_TAG", VERSION);
    static final List<String> OCI_LABELS = List.of("title", "description", "source", "revision", "version", "created", "base.name");

    /** The outcome of images/engine.sh start, asked once. */
    private static Engine engine;

    record Engine(boolean answers, boolean startedHere, String reason) {
    }

    /** Step modules: those whose pom declares a main class. */
    static List<String> steps() throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> modules = Files.list(ROOT.resolve("jobs"))) {
            for (Path m : modules.sorted().toList()) {
                Path pom = m.resolve("pom.xml");
                String name = m.getFileName().toString();
                if (Files.exists(pom) && Files.readString(pom).contains("<main.class>") && !name.equals("cli")) {
                    out.add(name);
                }
            }
        }
        return out;
    }

    static String dockerfile(String image) throws IOException {
        return Files.readString(ROOT.resolve("images").resolve(image).resolve("Dockerfile"));
    }

    static List<String> entrypoint(String dockerfileText) throws IOException {
        Matcher ep = ENTRYPOINT.matcher(dockerfileText);
        assertThat(ep.find()).as("an exec-form ENTRYPOINT").isTrue();
        return List.of(new ObjectMapper().readValue(ep.group(1), String[].class));
    }

    @Test
    void everyStepHasAnImageThatMatchesTheBuild() throws Exception {
        List<String> steps = steps();
        assertThat(steps).contains("ingest", "validate", "features", "train", "transform", "shadow", "quality", "promote");
        try (Stream<Path> dirs = Files.list(ROOT.resolve("images"))) {
            assertThat(dirs.filter(d -> Files.exists(d.resolve("Dockerfile"))).map(d -> d.getFileName().toString())
                    .filter(n -> !n.equals("base")).sorted().toList())
                    .as("images/<step>/Dockerfile: one per step module, and the base").isEqualTo(steps.stream().sorted().toList());
        }
        // the one build script and the Makefile build every step
        Matcher all = Pattern.compile("(?m)^ALL_STEPS=\\(([a-z ]+)\\)$").matcher(Files.readString(ROOT.resolve("images/build.sh")));
        assertThat(all.find()).as("images/build.sh lists ALL_STEPS").isTrue();
        assertThat(new TreeSet<>(List.of(all.group(1).split(" ")))).as("images/build.sh ALL_STEPS").isEqualTo(new TreeSet<>(steps));
        Matcher mk = Pattern.compile("(?m)^IMAGE_STEPS := ([a-z ]+)$").matcher(Files.readString(ROOT.resolve("Makefile")));
        assertThat(mk.find()).as("Makefile IMAGE_STEPS").isTrue();
        assertThat(new TreeSet<>(List.of(mk.group(1).trim().split(" ")))).as("Makefile IMAGE_STEPS").isEqualTo(new TreeSet<>(steps));

        Path baseLib = ROOT.resolve("jobs/cli/target/lib");
        assertThat(baseLib).as("the base image's lib/ comes from the CLI build").isDirectory();
        String base = dockerfile("base");
        assertThat(base).contains("ARG JRE_IMAGE=").contains("FROM ${JRE_IMAGE}")
                .contains("COPY jobs/cli/target/lib/ /opt/mlops/lib/")
                .doesNotContain("mvn ").doesNotContain("--from=").doesNotContainPattern("(?m)^RUN .*useradd");
        assertNumericNonRoot("images/base/Dockerfile", base);

        Set<String> copied = new LinkedHashSet<>();
        copied.add("jobs/cli/target/lib/");
        for (String step : steps) {
            String text = dockerfile(step);
            String where = "images/" + step + "/Dockerfile";
            assertNumericNonRoot(where, text);
            assertThat(text).as(where).contains("FROM ${BASE_IMAGE}").doesNotContain("--from=").doesNotContain("mvn ");
            for (String label : OCI_LABELS) {
                assertThat(text).as(where + " label " + label).contains("org.opencontainers.image." + label + "=");
            }
            assertThat(labels(text)).as(where).containsEntry("org.opencontainers.image.title", "mlops-" + step);

            Matcher copy = COPY_JAR.matcher(text);
            assertThat(copy.find()).as(where + " copies a jar Maven built").isTrue();
            Path built = ROOT.resolve(copy.group(1));
            assertThat(copy.group(1)).isEqualTo("jobs/" + step + "/target/mlops-" + step + "-runnable.jar");
            assertThat(built).as("the jar " + where + " copies is what the build produces").exists();
            copied.add(copy.group(1));
            String inImage = copy.group(2);

            List<String> entrypoint = entrypoint(text);
            assertThat(entrypoint.get(0)).isEqualTo("java");
            assertThat(entrypoint).contains("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "-Djava.io.tmpdir=/tmp", "-jar");
            assertThat(entrypoint.get(entrypoint.size() - 1)).isEqualTo(inImage);

            try (JarFile jar = new JarFile(built.toFile())) {
                Manifest mf = jar.getManifest();
                String mainClass = mf.getMainAttributes().getValue("Main-Class");
                assertThat(mainClass).as("Main-Class of " + built).isNotBlank();
                assertThat(jar.getEntry(mainClass.replace('.', '/') + ".class")).as(mainClass + " in " + built).isNotNull();
                for (String entry : mf.getMainAttributes().getValue("Class-Path").split(" ")) {
                    assertThat(baseLib.resolve(entry.substring("lib/".length())))
                            .as(built.getFileName() + " needs " + entry + " from the base image").exists();
                }
                assertThat(text).contains("Main class: " + mainClass);
                assertThat(labels(text)).containsEntry("dev.mlops.main-class", mainClass);
            }
        }
        // the build context: everything the Dockerfiles copy and nothing else (the rest is gigabytes of target/)
        Set<String> allowed = new TreeSet<>();
        List<String> ignore = Files.readAllLines(ROOT.resolve(".dockerignore"));
        assertThat(ignore.stream().filter(l -> !l.isBlank() && !l.startsWith("#")).findFirst()).as(".dockerignore starts by ignoring everything").hasValue("*");
        ignore.stream().filter(l -> l.startsWith("!")).forEach(l -> allowed.add(l.substring(1)));
        Set<String> copiedAll = new TreeSet<>();
        for (String image : concat("base", steps)) {
            Matcher c = COPY.matcher(dockerfile(image));
            while (c.find()) {
                copiedAll.add(c.group(1));
            }
        }
        assertThat(copiedAll).as("what the Dockerfiles copy").isEqualTo(new TreeSet<>(copied));
        assertThat(allowed).as(".dockerignore lets through what the Dockerfiles copy, and only that").isEqualTo(copiedAll);
    }

    /**
     * The images, built and run. Fails where images/engine.sh should have started an engine and did not; skipped
     * (with engine.sh's reason) only where none can start.
     */
    @TestFactory
    List<DynamicTest> imagesBuildAndRun() throws Exception {
        Engine e = engine();
        if (!e.answers()) {
            // reported as skipped, with the reason (an aborted factory would leave no trace in the report)
            return List.of(DynamicTest.dynamicTest("images (no container engine)",
                    () -> Assumptions.abort("no container engine can start here: " + e.reason())));
        }

        List<String> steps = steps();
        long t0 = System.nanoTime();
        Run build = exec(List.of(ROOT.resolve("images/build.sh").toString()), ROOT, Map.of("IMAGE_TAG", TAG), 30, true);
        double buildSeconds = (System.nanoTime() - t0) / 1e9;
        assertThat(build.code).as("images/build.sh: " + build.output).isZero();
        System.out.printf("ImagesIT: images/build.sh built mlops-base and %d step images in %.1f s%n", steps.size(), buildSeconds);

        DockerClient docker = DockerClientFactory.instance().client();
        InspectImageResponse base = docker.inspectImageCmd("mlops-base:" + TAG).exec();
        String revision = base.getConfig().getLabels().get("org.opencontainers.image.revision");
        List<DynamicTest> tests = new ArrayList<>();
        tests.add(DynamicTest.dynamicTest("mlops-base:" + TAG, () -> {
            ContainerConfig c = base.getConfig();
            assertNonRoot("mlops-base", c.getUser());
            assertThat(c.getLabels()).containsEntry("org.opencontainers.image.title", "mlops-base")
                    .containsEntry("org.opencontainers.image.version", VERSION).containsKey("org.opencontainers.image.base.name");
            assertThat(revision).isNotBlank();
            assertThat(List.of(c.getEnv())).contains("MLOPS_HOME=/tmp/mlops", "MLOPS_GIT_SHA=" + revision);
            System.out.printf("ImagesIT: mlops-base:%s %d MB on %s%n", TAG, base.getSize() / 1_000_000,
                    c.getLabels().get("org.opencontainers.image.base.name"));
        }));
        for (String step : steps) {
            tests.add(DynamicTest.dynamicTest("mlops-" + step + ":" + TAG, () -> checkImage(docker, step, base, revision)));
        }
        return tests;
    }

    private void checkImage(DockerClient docker, String step, InspectImageResponse base, String revision) throws Exception {
        String image = "mlops-" + step + ":" + TAG;
        InspectImageResponse inspect = docker.inspectImageCmd(image).exec();
        ContainerConfig config = inspect.getConfig();
        assertNonRoot(image, config.getUser());
        assertThat(config.getUser()).isEqualTo("10001:10001");
        Map<String, String> labels = config.getLabels();
        for (String label : OCI_LABELS) {
            assertThat(labels.get("org.opencontainers.image." + label)).as(image + " label " + label).isNotBlank();
        }
        assertThat(labels).containsEntry("org.opencontainers.image.title", "mlops-" + step)
                .containsEntry("org.opencontainers.image.version", VERSION)
                .containsEntry("org.opencontainers.image.revision", revision)
                .containsEntry("org.opencontainers.image.base.name", "mlops-base:" + TAG);
        assertThat(List.of(config.getEntrypoint())).as(image + " entrypoint").isEqualTo(entrypoint(dockerfile(step)));
        assertThat(List.of(config.getCmd())).isEqualTo(List.of("--help"));
        long own = inspect.getSize() - base.getSize();
        assertThat(own).as(image + ": the step adds its jar to the base, nothing else").isBetween(0L, 1_000_000L);

        long t0 = System.nanoTime();
        Run version = run(image, new OneShotStartupCheckStrategy(), "--version");
        assertThat(version.code).as(image + " --version: " + version.output).isZero();
        assertThat(version.output.strip()).isEqualTo("mlops " + VERSION + "+" + revision);
        Run help = run(image, new OneShotStartupCheckStrategy(), "--help");
        assertThat(help.code).as(image + " --help: " + help.output).isZero();
        assertThat(help.output).contains("Usage: " + step).contains("--model=MODEL");
        Run usage = run(image, new RunsToCompletion(), "--model", "nope", "--date", "2024-03-01");
        assertThat(usage.code).as(image + " with an unknown model: " + usage.output).isEqualTo(2);
        assertThat(usage.output).contains("no spec for model 'nope'").contains("bundled: [zone_demand, trip_risk]");
        System.out.printf("ImagesIT: %-32s %d MB (+%d kB on the base), --version/--help/usage error in %.1f s%n",
                image, inspect.getSize() / 1_000_000, own / 1000, (System.nanoTime() - t0) / 1e9);
    }

    /** As a pod runs it: the image's own user, a read-only root filesystem, /tmp a tmpfs, the host network. */
    private static Run run(String image, StartupCheckStrategy check, String... args) {
        try (GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(image))
                .withImagePullPolicy(name -> false) // built here, never pulled
                .withNetworkMode("host")
                .withTmpFs(Map.of("/tmp", "rw,exec,mode=1777,size=512m"))
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withReadonlyRootfs(true))
                .withStartupCheckStrategy(check.withTimeout(Duration.ofMinutes(2)))
                .withCommand(args)) {
            c.start();
            Long code = c.getCurrentContainerInfo().getState().getExitCodeLong();
            return new Run(code == null ? -1 : code.intValue(), c.getLogs());
        }
    }

    /** One-shot like {@link OneShotStartupCheckStrategy}, but any exit code ends the run: the test judges the code. */
    static final class RunsToCompletion extends StartupCheckStrategy {
        @Override
        public StartupStatus checkStartupState(DockerClient dockerClient, String containerId) {
            return DockerStatus.isContainerStopped(getCurrentState(dockerClient, containerId)) ? StartupStatus.SUCCESSFUL : StartupStatus.NOT_YET_KNOWN;
        }
    }

    /** Without an engine, what the images would run, run on this JVM in the image's layout (/opt/mlops/<jar> + lib/). */
    @Test
    void withoutAnEngineTheJarsRunWithTheEntrypointCommand(@TempDir Path opt) throws Exception {
        Engine e = engine();
        Assumptions.assumeFalse(e.answers(), "the images ran these commands themselves (imagesBuildAndRun)");
        Files.createSymbolicLink(opt.resolve("lib"), ROOT.resolve("jobs/cli/target/lib"));
        for (String step : steps()) {
            String text = dockerfile(step);
            Matcher copy = COPY_JAR.matcher(text);
            assertThat(copy.find()).isTrue();
            List<String> command = new ArrayList<>(entrypoint(text));
            Path jarInOpt = opt.resolve(Paths.get(copy.group(2)).getFileName());
            Files.copy(ROOT.resolve(copy.group(1)), jarInOpt);
            command.set(0, Paths.get(System.getProperty("java.home"), "bin", "java").toString());
            command.set(command.size() - 1, jarInOpt.toString());
            command.replaceAll(a -> a.startsWith("-Djava.io.tmpdir=") || a.startsWith("-Dspark.sql.warehouse.dir=")
                    ? a.substring(0, a.indexOf('=') + 1) + opt.resolve("tmp") : a);
            Files.createDirectories(opt.resolve("tmp"));
            Map<String, String> env = Map.of("MLOPS_HOME", opt.resolve("home").toString(), "MLOPS_LOG_FORMAT", "json");
            Run version = exec(concat(command, List.of("--version")), opt, env, 2, false);
            assertThat(version.code).as(step + " --version: " + version.output).isZero();
            assertThat(version.output).startsWith("mlops ");
            Run help = exec(concat(command, List.of("--help")), opt, env, 2, false);
            assertThat(help.code).as(step + " --help").isZero();
            assertThat(help.output).contains("Usage: " + step).contains("--model=MODEL");
            Run usage = exec(concat(command, List.of("--model", "nope", "--date", "2024-03-01")), opt, env, 2, false);
            assertThat(usage.code).as(step + " with an unknown model: " + usage.output).isEqualTo(2);
            assertThat(usage.output).contains("no spec for model 'nope'").contains("bundled: [zone_demand, trip_risk]");
        }
    }

    /** images/engine.sh start, once: an engine that answers is used; one it starts is stopped after the tests. */
    static synchronized Engine engine() throws Exception {
        if (engine == null) {
            Run start = exec(List.of(ROOT.resolve("images/engine.sh").toString(), "start"), ROOT, Map.of(), 10, false);
            String said = start.output.strip();
            if (start.code == 2) {
                engine = new Engine(false, false, said);
                System.out.println("ImagesIT: no container engine here: " + said);
            } else if (start.code != 0) {
                fail("images/engine.sh start should have started a container engine here (exit " + start.code + "): " + said);
            } else {
                engine = new Engine(true, said.lines().anyMatch("started"::equals), said);
                System.out.println("ImagesIT: " + said.replace('\n', ' '));
            }
        }
        return engine;
    }

    @AfterAll
    static void stopTheEngineThisStarted() throws Exception {
        if (engine != null && engine.startedHere()) {
            Run stop = exec(List.of(ROOT.resolve("images/engine.sh").toString(), "stop"), ROOT, Map.of(), 2, false);
            System.out.println("ImagesIT: " + stop.output.strip());
        }
    }

    private static void assertNumericNonRoot(String where, String dockerfileText) {
        Matcher user = USER.matcher(dockerfileText);
        String last = null;
        while (user.find()) {
            last = user.group(1);
        }
        assertThat(last).as(where + " sets a USER").isNotNull();
        assertThat(last).as(where + ": a numeric non-root user (runAsNonRoot checks numbers)").matches("[0-9]+:[0-9]+");
        assertNonRoot(where, last);
    }

    private static void assertNonRoot(String where, String user) {
        assertThat(user).as(where + " runs as non-root").isNotBlank().doesNotStartWith("root").doesNotStartWith("0:").isNotEqualTo("0");
    }

    private static Map<String, String> labels(String dockerfileText) {
        Map<String, String> out = new java.util.HashMap<>();
        Matcher m = LABEL.matcher(dockerfileText);
        while (m.find()) {
            out.put(m.group(1), m.group(2));
        }
        return out;
    }

    @SafeVarargs
    private static <T> List<T> concat(List<T> first, List<T>... more) {
        List<T> out = new ArrayList<>(first);
        Arrays.stream(more).forEach(out::addAll);
        return out;
    }

    private static List<String> concat(String first, List<String> more) {
        return concat(List.of(first), more);
    }

    record Run(int code, String output) {
    }

    /** Runs a command in {@code dir} (stdout and stderr together, echoed when {@code echo}). */
    private static Run exec(List<String> cmd, Path dir, Map<String, String> env, int timeoutMinutes, boolean echo) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        StringBuilder out = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    out.append(line).append('\n');
                    if (echo) {
                        System.out.println(line);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        reader.start();
        if (!p.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail(String.join(" ", cmd) + " did not finish within " + timeoutMinutes + " min: " + out);
        }
        reader.join();
        return new Run(p.exitValue(), out.toString());
    }
}
