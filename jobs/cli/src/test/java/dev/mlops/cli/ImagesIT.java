package dev.mlops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What can be checked of the images without a container engine: each step module has an image
 * whose entrypoint runs a main class that its jar has, the jar copied is the one the build
 * produces, its Class-Path is satisfied by the base image's lib/, the user is not root, and
 * the jar runs with exactly the entrypoint's command.
 */
class ImagesIT {
    static final Path ROOT = Paths.get("").toAbsolutePath().getParent().getParent();
    static final Pattern COPY_JAR = Pattern.compile("COPY --from=build \\S* ?/src/(jobs/[a-z]+/target/[^ ]+\\.jar) (\\S+)");
    static final Pattern ENTRYPOINT = Pattern.compile("(?m)^ENTRYPOINT (\\[.*])$");
    static final Pattern USER = Pattern.compile("(?m)^USER (\\S+)$");

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

    @Test
    void everyStepHasAnImageThatRunsItsJarAsBuilt(@TempDir Path opt) throws Exception {
        List<String> steps = steps();
        assertThat(steps).contains("ingest", "validate", "features", "train");
        Path baseLib = ROOT.resolve("jobs/cli/target/lib");
        assertThat(baseLib).as("the base image's lib/ comes from the CLI build").isDirectory();
        assertThat(Files.readString(ROOT.resolve("images/base/Dockerfile"))).contains("COPY --from=build --chown=10001:10001 /src/jobs/cli/target/lib/ /opt/mlops/lib/");
        assertNotRoot(ROOT.resolve("images/base/Dockerfile"));
        Files.createSymbolicLink(opt.resolve("lib"), baseLib);
        for (String step : steps) {
            Path dockerfile = ROOT.resolve("images").resolve(step).resolve("Dockerfile");
            assertThat(dockerfile).as("image definition of step " + step).exists();
            String text = Files.readString(dockerfile);
            assertNotRoot(dockerfile);
            assertThat(text).contains("FROM ${BASE_IMAGE}").contains("org.opencontainers.image.revision");

            Matcher copy = COPY_JAR.matcher(text);
            assertThat(copy.find()).as(dockerfile + " copies a jar from the build stage").isTrue();
            Path built = ROOT.resolve(copy.group(1));
            assertThat(built).as("the jar " + dockerfile + " copies is what the build produces").exists();
            String inImage = copy.group(2);

            Matcher ep = ENTRYPOINT.matcher(text);
            assertThat(ep.find()).as(dockerfile + " has an exec-form ENTRYPOINT").isTrue();
            List<String> entrypoint = List.of(new ObjectMapper().readValue(ep.group(1), String[].class));
            assertThat(entrypoint.get(0)).isEqualTo("java");
            assertThat(entrypoint).contains("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "-jar");
            assertThat(entrypoint.get(entrypoint.size() - 1)).isEqualTo(inImage);

            String mainClass;
            try (JarFile jar = new JarFile(built.toFile())) {
                Manifest mf = jar.getManifest();
                mainClass = mf.getMainAttributes().getValue("Main-Class");
                assertThat(mainClass).as("Main-Class of " + built).isNotBlank();
                assertThat(jar.getEntry(mainClass.replace('.', '/') + ".class")).as(mainClass + " in " + built).isNotNull();
                for (String entry : mf.getMainAttributes().getValue("Class-Path").split(" ")) {
                    assertThat(baseLib.resolve(entry.substring("lib/".length())))
                            .as(built.getFileName() + " needs " + entry + " from the base image").exists();
                }
            }
            assertThat(text).contains("Main class: " + mainClass);

            // run it exactly as the entrypoint does, in the image's layout (/opt/mlops/<jar> + lib/)
            Path jarInOpt = opt.resolve(Paths.get(inImage).getFileName());
            Files.copy(built, jarInOpt);
            List<String> command = new ArrayList<>(entrypoint);
            command.set(0, Paths.get(System.getProperty("java.home"), "bin", "java").toString());
            command.set(command.size() - 1, jarInOpt.toString());
            Run version = run(command, opt, "--version");
            assertThat(version.code).as(step + " --version: " + version.output).isZero();
            assertThat(version.output).startsWith("mlops ");
            Run help = run(command, opt, "--help");
            assertThat(help.code).as(step + " --help").isZero();
            assertThat(help.output).contains("Usage: " + step).contains("--model=MODEL");
            Run usage = run(command, opt, "--model", "nope", "--date", "2024-03-01");
            assertThat(usage.code).as(step + " with an unknown model: " + usage.output).isEqualTo(2);
            assertThat(usage.output).contains("no spec for model 'nope'").contains("bundled: [zone_demand, trip_risk]");
        }
    }

    private static void assertNotRoot(Path dockerfile) throws IOException {
        Matcher user = USER.matcher(Files.readString(dockerfile));
        String last = null;
        while (user.find()) {
            last = user.group(1);
        }
        assertThat(last).as(dockerfile + " sets a USER").isNotNull();
        assertThat(last).as(dockerfile + " runs as non-root").doesNotStartWith("root").doesNotStartWith("0:").isNotEqualTo("0");
    }

    record Run(int code, String output) {
    }

    private static Run run(List<String> entrypoint, Path workDir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(entrypoint);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("MLOPS_HOME", workDir.resolve("home").toString());
        env.put("MLOPS_LOG_FORMAT", "json");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }
}
