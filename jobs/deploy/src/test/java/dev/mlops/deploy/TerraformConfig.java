package dev.mlops.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Every {@code .tf} file under a directory, parsed ({@link Hcl}), with its blocks. A Terraform module is
 * a directory: resources, data sources, locals and variables are looked up per directory.
 */
final class TerraformConfig {

    /** One parsed file. */
    record TfFile(Path path, JsonNode json) {
        Path dir() {
            return path.getParent();
        }
    }

    /**
     * One block: {@code kind} is resource, data, variable, output, module; {@code type} is the resource
     * or data source type (empty otherwise); {@code body} the block's attributes and nested blocks.
     */
    record Block(TfFile file, String kind, String type, String name, JsonNode body) {
        String address() {
            return switch (kind) {
                case "resource" -> type + "." + name;
                case "data" -> "data." + type + "." + name;
                default -> kind + "." + name;
            };
        }

        Path dir() {
            return file.dir();
        }

        /** A top-level attribute as text ("" when absent or not a string). */
        String text(String attribute) {
            JsonNode v = body.path(attribute);
            return v.isTextual() ? v.asText() : "";
        }
    }

    private final Path base;
    private final List<TfFile> files;

    private TerraformConfig(Path base, List<TfFile> files) {
        this.base = base;
        this.files = files;
    }

    /** Every {@code *.tf} under {@code dir} (not under .terraform/), names in messages relative to {@code base}. */
    static TerraformConfig load(Path base, Path dir) {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(dir)) {
            paths = walk.filter(p -> p.getFileName().toString().endsWith(".tf") && Files.isRegularFile(p))
                    .filter(p -> !p.toString().contains("/.terraform/"))
                    .map(p -> p.toAbsolutePath().normalize())
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<TfFile> files = new ArrayList<>();
        Hcl.parse(paths).forEach((path, json) -> files.add(new TfFile(path, json)));
        return new TerraformConfig(base.toAbsolutePath().normalize(), files);
    }

    List<TfFile> files() {
        return files;
    }

    /** A path as messages show it: relative to the base (the repository root). */
    String show(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        return abs.startsWith(base) ? base.relativize(abs).toString() : abs.toString();
    }

    /** {@code <file>: <address>}. */
    String where(Block b) {
        return show(b.file().path()) + ": " + b.address();
    }

    /** Resources of a type (every type when null). */
    List<Block> resources(String type) {
        return typed("resource", type);
    }

    /** Data sources of a type (every type when null). */
    List<Block> data(String type) {
        return typed("data", type);
    }

    List<Block> variables() {
        return named("variable");
    }

    List<Block> outputs() {
        return named("output");
    }

    List<Block> modules() {
        return named("module");
    }

    /** The locals of a directory (module), merged over its files. */
    Map<String, JsonNode> locals(Path dir) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (TfFile f : inDir(dir)) {
            for (JsonNode block : Hcl.each(f.json().path("locals"))) {
                block.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
            }
        }
        return out;
    }

    /** The {@code terraform} blocks of a directory. */
    List<JsonNode> terraformBlocks(Path dir) {
        List<JsonNode> out = new ArrayList<>();
        inDir(dir).forEach(f -> Hcl.each(f.json().path("terraform")).forEach(out::add));
        return out;
    }

    /** The {@code provider} blocks of a directory, by provider name. */
    List<JsonNode> providers(Path dir, String name) {
        List<JsonNode> out = new ArrayList<>();
        inDir(dir).forEach(f -> Hcl.each(f.json().path("provider").path(name)).forEach(out::add));
        return out;
    }

    /** Blocks of a kind and type in the same directory as {@code near}. */
    List<Block> sameDir(List<Block> blocks, Block near) {
        return blocks.stream().filter(b -> b.dir().equals(near.dir())).toList();
    }

    private List<TfFile> inDir(Path dir) {
        Path d = dir.toAbsolutePath().normalize();
        return files.stream().filter(f -> f.dir().equals(d)).toList();
    }

    private List<Block> typed(String kind, String type) {
        List<Block> out = new ArrayList<>();
        for (TfFile f : files) {
            JsonNode byType = f.json().path(kind);
            for (String t : Hcl.names(byType)) {
                if (type != null && !type.equals(t)) {
                    continue;
                }
                for (String name : Hcl.names(byType.path(t))) {
                    Hcl.each(byType.path(t).path(name)).forEach(body -> out.add(new Block(f, kind, t, name, body)));
                }
            }
        }
        return out;
    }

    private List<Block> named(String kind) {
        List<Block> out = new ArrayList<>();
        for (TfFile f : files) {
            JsonNode byName = f.json().path(kind);
            for (String name : Hcl.names(byName)) {
                Hcl.each(byName.path(name)).forEach(body -> out.add(new Block(f, kind, "", name, body)));
            }
        }
        return out;
    }
}
