package dev.mlops.core.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Parses and validates a model spec. Strict: unknown keys, missing required keys and bad
 * values fail with a {@link SpecException} naming the file, the key path and what was expected.
 */
public final class SpecLoader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .registerModule(new JavaTimeModule())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private SpecLoader() {
    }

    /**
     * Loads a spec from YAML text.
     *
     * @param file the file name used in messages
     * @param expectedModel the model name the file must declare (its file name), or null
     */
    public static LoadedSpec load(String file, String yaml, String expectedModel) {
        ModelSpec spec;
        try {
            if (yaml == null || yaml.isBlank()) {
                throw new SpecException(file, "", "the file is empty; expected a model spec with keys model, task, entity, datasets");
            }
            spec = YAML.readValue(yaml, ModelSpec.class);
        } catch (JsonProcessingException e) {
            throw translate(file, e);
        }
        if (expectedModel != null && !expectedModel.equals(spec.model())) {
            throw new SpecException(file, "model", "expected '" + expectedModel + "' (the file name), got '" + spec.model() + "'");
        }
        return new LoadedSpec(spec, file, hash(spec));
    }

    private static String hash(ModelSpec spec) {
        try {
            byte[] canonical = JSON.writeValueAsBytes(spec);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical)).substring(0, 16);
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot hash spec " + spec.model(), e);
        }
    }

    static SpecException translate(String file, JsonProcessingException e) {
        String path = e instanceof JsonMappingException jme ? keyPath(jme.getPath()) : "";
        if (e instanceof UnrecognizedPropertyException upe) {
            String known = upe.getKnownPropertyIds() == null ? "" : upe.getKnownPropertyIds().stream()
                    .map(Object::toString).collect(Collectors.toCollection(TreeSet::new)).toString();
            return new SpecException(file, path, "unknown key; expected one of " + known);
        }
        if (e instanceof InvalidTypeIdException) {
            return new SpecException(file, path.isEmpty() ? "kind" : path + ".kind", "expected one of [files, jdbc]");
        }
        if (e instanceof ValueInstantiationException vie) {
            for (Throwable c = vie.getCause(); c != null; c = c.getCause()) {
                if (c instanceof SpecViolation sv) {
                    return new SpecException(file, join(path, sv.key()), sv.getMessage());
                }
            }
        }
        for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
            if (c instanceof SpecViolation sv) {
                return new SpecException(file, join(path, sv.key()), sv.getMessage());
            }
        }
        if (e instanceof InvalidFormatException ife) {
            return new SpecException(file, path, "expected a " + simpleType(ife.getTargetType()) + ", got '" + ife.getValue() + "'");
        }
        if (e instanceof JsonMappingException jme && jme.getOriginalMessage() != null
                && jme.getOriginalMessage().startsWith("Missing required creator property")) {
            return new SpecException(file, path, "missing required key");
        }
        String location = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
        String original = e.getOriginalMessage() == null ? e.getMessage() : e.getOriginalMessage();
        if (original.startsWith("Cannot deserialize value of type")) {
            original = "expected " + original.substring("Cannot deserialize value of type ".length()).replaceAll("`", "'");
        }
        return new SpecException(file, path, original + location);
    }

    private static String simpleType(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "whole number";
        }
        if (type == Double.class || type == double.class) {
            return "number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "boolean (true/false)";
        }
        return type.getSimpleName();
    }

    private static String join(String a, String b) {
        if (b == null || b.isEmpty()) {
            return a;
        }
        return a.isEmpty() ? b : a + "." + b;
    }

    static String keyPath(List<JsonMappingException.Reference> refs) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : refs) {
            if (r.getFieldName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /** Canonical JSON of a spec (used for hashing and for showing the effective spec). */
    public static String toJson(ModelSpec spec) {
        try {
            return new String(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(spec), StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
