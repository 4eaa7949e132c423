package dev.mlops.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * HCL files as Terraform's JSON syntax, parsed by HashiCorp's own HCL parser: {@code @cdktf/hcl2json}
 * (hashicorp/hcl compiled to WebAssembly), run by node from {@code target/hcl2json} where the build
 * npm-installs it ({@code src/test/hcl2json}). Blocks become arrays of objects, literals stay JSON values,
 * every expression becomes a {@code "${...}"} string.
 *
 * <p>Not hcl4j (the HCL library on Maven Central): it evaluates instead of parsing (a conditional
 * collapses to one branch, {@code merge()} and {@code format()} become null, a {@code for} expression
 * becomes an empty list, the {@code ${}} of templates is dropped), fails on a quoted template key in a
 * {@code for} expression ({@code { for g in x : "${g.model}-${g.group}" => g }}), and sends the HTTP
 * request of a {@code data "http"} block while parsing.
 */
final class Hcl {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Hcl() {
    }

    /** Each file's JSON form, in the given order. A file that is not valid HCL fails with the parser's message. */
    static Map<Path, JsonNode> parse(Collection<Path> files) {
        Path dir = Path.of(System.getProperty("hcl2json.dir", "target/hcl2json")).toAbsolutePath();
        if (!Files.isDirectory(dir.resolve("node_modules/@cdktf/hcl2json"))) {
            throw new IllegalStateException("the HCL parser is not installed in " + dir + ": the build of jobs/deploy copies "
                    + "src/test/hcl2json there and runs npm ci (mvn test -pl jobs/deploy; needs node and npm)");
        }
        Map<Path, JsonNode> out = new LinkedHashMap<>();
        if (files.isEmpty()) {
            return out;
        }
        List<String> command = new ArrayList<>(List.of(System.getProperty("node", "node"), dir.resolve("hcl2json.js").toString()));
        List<Path> absolute = files.stream().map(p -> p.toAbsolutePath().normalize()).toList();
        absolute.forEach(p -> command.add(p.toString()));
        try {
            Path stderr = Files.createTempFile("hcl2json", ".err");
            try {
                Process p = new ProcessBuilder(command).directory(dir.toFile())
                        .redirectError(stderr.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE).start();
                p.getOutputStream().close();
                byte[] stdout = p.getInputStream().readAllBytes();
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("hcl2json did not finish in 120 s");
                }
                if (p.exitValue() != 0) {
                    throw new IllegalArgumentException("HCL does not parse: " + Files.readString(stderr, StandardCharsets.UTF_8).strip());
                }
                JsonNode all = JSON.readTree(stdout);
                for (Path f : absolute) {
                    out.put(f, all.path(f.toString()));
                }
                return out;
            } finally {
                Files.deleteIfExists(stderr);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command.subList(0, 2)) + " (is node on PATH?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The elements of a JSON array, or the node itself when it is not one. */
    static Iterable<JsonNode> each(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        if (node.isArray()) {
            return node::elements;
        }
        return List.of(node);
    }

    /** The field names of an object node. */
    static Iterable<String> names(JsonNode node) {
        return node == null ? List.of() : () -> {
            Iterator<String> it = node.fieldNames();
            return it;
        };
    }
}
