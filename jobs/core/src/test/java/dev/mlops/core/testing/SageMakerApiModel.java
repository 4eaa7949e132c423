package dev.mlops.core.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * AWS's own SageMaker API model (trimmed to the operations {@link SageMakerStandIn} serves; see
 * {@code src/test/resources/sagemaker/README.md}) and a validator that checks a JSON body against an
 * operation's input or output the way the service's front end does: required members, member
 * types, enum values, string/list/map lengths, regular expression patterns and number ranges,
 * down through nested structures, lists and maps. Constraint violations come back as the
 * service's messages ({@code Value null at 'roleArn' failed to satisfy constraint: Member must not
 * be null}); a value of the wrong JSON type throws {@link SerializationFailure}, as the service
 * answers {@code SerializationException} for those.
 */
public final class SageMakerApiModel {
    public static final String RESOURCE = "/sagemaker/sagemaker-2017-07-24.trimmed.json";

    private static volatile SageMakerApiModel instance;

    private final JsonNode operations;
    private final JsonNode shapes;
    private final Map<String, Pattern> patterns = new ConcurrentHashMap<>();

    /** A member whose JSON type does not match the model (the service's SerializationException). */
    public static final class SerializationFailure extends RuntimeException {
        SerializationFailure(String message) {
            super(message);
        }
    }

    private SageMakerApiModel(JsonNode model) {
        this.operations = model.get("operations");
        this.shapes = model.get("shapes");
    }

    /** The model from the test classpath (parsed once per JVM). */
    public static SageMakerApiModel load() {
        SageMakerApiModel m = instance;
        if (m == null) {
            synchronized (SageMakerApiModel.class) {
                if (instance == null) {
                    try (InputStream in = SageMakerApiModel.class.getResourceAsStream(RESOURCE)) {
                        if (in == null) {
                            throw new IllegalStateException(RESOURCE + " is not on the classpath");
                        }
                        instance = new SageMakerApiModel(new ObjectMapper().readTree(in));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                m = instance;
            }
        }
        return m;
    }

    public Set<String> operations() {
        Set<String> names = new TreeSet<>();
        operations.fieldNames().forEachRemaining(names::add);
        return names;
    }

    public boolean hasOperation(String operation) {
        return operations.has(operation);
    }

    /** The operation's input shape (resolved), or an empty structure when it has none. */
    public JsonNode input(String operation) {
        return io(operation, "input");
    }

    /** The operation's output shape (resolved), or an empty structure when it has none. */
    public JsonNode output(String operation) {
        return io(operation, "output");
    }

    private JsonNode io(String operation, String which) {
        JsonNode op = operations.get(operation);
        if (op == null) {
            throw new IllegalArgumentException("operation not in the model: " + operation);
        }
        JsonNode shape = op.get(which);
        return shape == null ? new ObjectMapper().createObjectNode().put("type", "structure") : resolve(shape);
    }

    /** The shape of a structure's member, resolved, or null when the structure has no such member. */
    public JsonNode member(JsonNode structure, String member) {
        JsonNode m = resolve(structure).path("members").get(member);
        return m == null ? null : resolve(m);
    }

    /** Constraint violations of a request body, in the service's words; empty when valid. */
    public List<String> validateInput(String operation, JsonNode body) {
        return validate(input(operation), body);
    }

    /** Constraint violations of a response body; empty when valid. */
    public List<String> validateOutput(String operation, JsonNode body) {
        return validate(output(operation), body);
    }

    /** Constraint violations of a value against a shape (a top-level structure: paths start at its members). */
    public List<String> validate(JsonNode shape, JsonNode value) {
        List<String> errors = new ArrayList<>();
        JsonNode s = resolve(shape);
        if ("structure".equals(type(s))) {
            if (value == null || value.isNull()) {
                value = new ObjectMapper().createObjectNode();
            }
            structure(s, value, "", errors);
        } else {
            check(s, value, "value", errors);
        }
        return errors;
    }

    /** The service's message for a list of violations. */
    public static String message(List<String> errors) {
        return errors.size() + " validation error" + (errors.size() == 1 ? "" : "s") + " detected: " + String.join("; ", errors);
    }

    JsonNode resolve(JsonNode node) {
        JsonNode n = node;
        while (n.has("shape")) {
            String name = n.get("shape").asText();
            n = shapes.get(name);
            if (n == null) {
                throw new IllegalStateException("shape missing from the model: " + name);
            }
        }
        return n;
    }

    private static String type(JsonNode shape) {
        return shape.path("type").asText("string");
    }

    private static String memberPath(String parent, String member) {
        String camel = Character.toLowerCase(member.charAt(0)) + member.substring(1);
        return parent.isEmpty() ? camel : parent + "." + camel;
    }

    private void check(JsonNode shape, JsonNode value, String path, List<String> errors) {
        switch (type(shape)) {
            case "structure" -> structure(shape, value, path, errors);
            case "list" -> list(shape, value, path, errors);
            case "map" -> map(shape, value, path, errors);
            default -> errors.addAll(scalar(shape, value, path).stream().map(c -> violation(value, path, c)).toList());
        }
    }

    private void structure(JsonNode shape, JsonNode value, String path, List<String> errors) {
        if (!value.isObject()) {
            throw typeError(value, path, "structure");
        }
        JsonNode members = shape.path("members");
        for (JsonNode req : shape.path("required")) {
            JsonNode v = value.get(req.asText());
            if (v == null || v.isNull()) {
                errors.add(violation(null, memberPath(path, req.asText()), "Member must not be null"));
            }
        }
        int set = 0;
        Iterator<Map.Entry<String, JsonNode>> it = members.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> m = it.next();
            JsonNode v = value.get(m.getKey());
            if (v == null || v.isNull()) {
                continue;
            }
            set++;
            check(resolve(m.getValue()), v, memberPath(path, m.getKey()), errors);
        }
        // members the model does not know are ignored, as the service does
        if (shape.path("union").asBoolean(false) && set != 1) {
            errors.add(violation(value, path.isEmpty() ? "value" : path, "Member must have exactly one member set"));
        }
    }

    private void list(JsonNode shape, JsonNode value, String path, List<String> errors) {
        if (!value.isArray()) {
            throw typeError(value, path, "list");
        }
        size(shape, value.size(), value, path, errors);
        JsonNode member = resolve(shape.get("member"));
        boolean nested = List.of("structure", "list", "map").contains(type(member));
        List<String> elementConstraints = new ArrayList<>();
        for (int i = 0; i < value.size(); i++) {
            JsonNode v = value.get(i);
            if (v.isNull()) {
                addOnce(elementConstraints, "Member must not be null");
            } else if (nested) {
                check(member, v, path + "." + (i + 1) + ".member", errors);
            } else {
                scalar(member, v, path + "." + (i + 1) + ".member").forEach(c -> addOnce(elementConstraints, c));
            }
        }
        if (!elementConstraints.isEmpty()) {
            errors.add(violation(value, path, "Member must satisfy constraint: [" + String.join(", ", elementConstraints) + "]"));
        }
    }

    private void map(JsonNode shape, JsonNode value, String path, List<String> errors) {
        if (!value.isObject()) {
            throw typeError(value, path, "map");
        }
        size(shape, value.size(), value, path, errors);
        JsonNode keyShape = resolve(shape.get("key"));
        JsonNode valueShape = resolve(shape.get("value"));
        boolean nested = List.of("structure", "list", "map").contains(type(valueShape));
        List<String> keyConstraints = new ArrayList<>();
        List<String> valueConstraints = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = value.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            scalar(keyShape, TextNode.valueOf(e.getKey()), path).forEach(c -> addOnce(keyConstraints, c));
            JsonNode v = e.getValue();
            if (v.isNull()) {
                addOnce(valueConstraints, "Member must not be null");
            } else if (nested) {
                check(valueShape, v, path + "." + e.getKey(), errors);
            } else {
                scalar(valueShape, v, path + "." + e.getKey()).forEach(c -> addOnce(valueConstraints, c));
            }
        }
        if (!keyConstraints.isEmpty()) {
            errors.add(violation(value, path, "Map keys must satisfy constraint: [" + String.join(", ", keyConstraints) + "]"));
        }
        if (!valueConstraints.isEmpty()) {
            errors.add(violation(value, path, "Map value must satisfy constraint: [" + String.join(", ", valueConstraints) + "]"));
        }
    }

    private static void addOnce(List<String> list, String item) {
        if (!list.contains(item)) {
            list.add(item);
        }
    }

    private static void size(JsonNode shape, int size, JsonNode value, String path, List<String> errors) {
        if (shape.has("min") && size < shape.get("min").asLong()) {
            errors.add(violation(value, path, "Member must have length greater than or equal to " + shape.get("min").asLong()));
        }
        if (shape.has("max") && size > shape.get("max").asLong()) {
            errors.add(violation(value, path, "Member must have length less than or equal to " + shape.get("max").asLong()));
        }
    }

    /** The constraints a scalar value breaks (no path or value in them: the caller words them). */
    private List<String> scalar(JsonNode shape, JsonNode value, String path) {
        List<String> broken = new ArrayList<>();
        String type = type(shape);
        switch (type) {
            case "string" -> {
                if (!value.isTextual()) {
                    throw typeError(value, path, "string");
                }
                String s = value.asText();
                int length = s.codePointCount(0, s.length());
                if (shape.has("min") && length < shape.get("min").asLong()) {
                    broken.add("Member must have length greater than or equal to " + shape.get("min").asLong());
                }
                if (shape.has("max") && length > shape.get("max").asLong()) {
                    broken.add("Member must have length less than or equal to " + shape.get("max").asLong());
                }
                if (shape.has("pattern")) {
                    Pattern p = pattern(shape.get("pattern").asText());
                    if (p != null && !p.matcher(s).matches()) {
                        broken.add("Member must satisfy regular expression pattern: " + shape.get("pattern").asText());
                    }
                }
                if (shape.has("enum")) {
                    List<String> values = new ArrayList<>();
                    shape.get("enum").forEach(v -> values.add(v.asText()));
                    if (!values.contains(s)) {
                        broken.add("Member must satisfy enum value set: [" + String.join(", ", values) + "]");
                    }
                }
            }
            case "integer", "long" -> {
                if (!value.isIntegralNumber() || !value.canConvertToLong()
                        || ("integer".equals(type) && !value.canConvertToInt())) {
                    throw typeError(value, path, type);
                }
                range(shape, value.decimalValue(), broken);
            }
            case "float", "double" -> {
                if (!value.isNumber()) {
                    throw typeError(value, path, type);
                }
                range(shape, value.decimalValue(), broken);
            }
            case "boolean" -> {
                if (!value.isBoolean()) {
                    throw typeError(value, path, "boolean");
                }
            }
            case "timestamp" -> {
                // JSON 1.1 sends epoch seconds as a number
                if (!value.isNumber()) {
                    throw typeError(value, path, "timestamp (epoch seconds)");
                }
            }
            case "blob" -> {
                if (!value.isTextual()) {
                    throw typeError(value, path, "blob (base64)");
                }
                try {
                    int length = Base64.getDecoder().decode(value.asText()).length;
                    if (shape.has("min") && length < shape.get("min").asLong()) {
                        broken.add("Member must have length greater than or equal to " + shape.get("min").asLong());
                    }
                    if (shape.has("max") && length > shape.get("max").asLong()) {
                        broken.add("Member must have length less than or equal to " + shape.get("max").asLong());
                    }
                } catch (IllegalArgumentException e) {
                    throw new SerializationFailure("Invalid base64 value at '" + path + "'");
                }
            }
            default -> throw new IllegalStateException("unknown shape type " + type + " at " + path);
        }
        return broken;
    }

    private static void range(JsonNode shape, BigDecimal v, List<String> broken) {
        if (shape.has("min") && v.compareTo(shape.get("min").decimalValue()) < 0) {
            broken.add("Member must have value greater than or equal to " + shape.get("min").asText());
        }
        if (shape.has("max") && v.compareTo(shape.get("max").decimalValue()) > 0) {
            broken.add("Member must have value less than or equal to " + shape.get("max").asText());
        }
    }

    private Pattern pattern(String regex) {
        return patterns.computeIfAbsent(regex, r -> {
            try {
                // the service matches the whole value (patterns are Java regular expressions)
                return Pattern.compile(r, Pattern.DOTALL);
            } catch (PatternSyntaxException e) {
                return Pattern.compile("(?s).*"); // a pattern Java cannot read constrains nothing here
            }
        });
    }

    private static String violation(JsonNode value, String path, String constraint) {
        return "Value " + render(value) + " at '" + path + "' failed to satisfy constraint: " + constraint;
    }

    private static String render(JsonNode value) {
        if (value == null || value.isNull()) {
            return "null";
        }
        if (value.isValueNode()) {
            return "'" + value.asText() + "'";
        }
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            value.forEach(v -> items.add(v.isValueNode() ? v.asText() : v.toString()));
            return "'[" + String.join(", ", items) + "]'";
        }
        if (value.isObject()) {
            List<String> items = new ArrayList<>();
            value.fields().forEachRemaining(e -> items.add(e.getKey() + "=" + (e.getValue().isValueNode() ? e.getValue().asText() : e.getValue())));
            return "'{" + String.join(", ", items) + "}'";
        }
        return "'" + value + "'";
    }

    private static SerializationFailure typeError(JsonNode value, String path, String expected) {
        String got = value.getNodeType().name().toLowerCase(Locale.ROOT);
        return new SerializationFailure("Unexpected " + got + " value at '" + (path.isEmpty() ? "value" : path) + "': expected " + expected);
    }
}
