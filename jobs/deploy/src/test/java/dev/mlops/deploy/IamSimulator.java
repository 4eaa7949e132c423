package dev.mlops.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * AWS calls evaluated against an identity policy by @cloud-copilot/iam-simulate (a maintained IAM policy
 * evaluator, run by node from {@code target/hcl2json/iam-check.js}): Allowed, ImplicitlyDenied or ExplicitlyDenied.
 */
final class IamSimulator {
    /** One call a job makes: who (the job's role), what, on which resource, with which request context. */
    record Call(String job, String principal, String accountId, String action, String resource, Map<String, String> context, String policy,
                String resourcePolicy, boolean expectAllowed, String why) {
        String show() {
            return job + ": " + action + " " + resource + (context.isEmpty() ? "" : " " + context) + " (" + why + ")";
        }
    }

    /** A call and what the evaluator said. */
    record Outcome(Call call, String result) {
        boolean allowed() {
            return result.equals("Allowed");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path dir;

    IamSimulator(Path dir) {
        this.dir = dir;
        if (!Files.isDirectory(dir.resolve("node_modules/@cloud-copilot/iam-simulate"))) {
            throw new IllegalStateException(dir + " has no node_modules/@cloud-copilot/iam-simulate: the build copies "
                    + "src/test/hcl2json there and runs npm ci (mvn test -pl jobs/deploy; needs node and npm)");
        }
    }

    List<Outcome> evaluate(List<Call> calls) {
        ObjectNode input = JSON.createObjectNode();
        ArrayNode array = input.putArray("calls");
        for (int i = 0; i < calls.size(); i++) {
            Call c = calls.get(i);
            ObjectNode n = array.addObject().put("id", String.valueOf(i)).put("principal", c.principal()).put("accountId", c.accountId())
                    .put("action", c.action()).put("resource", c.resource()).put("policy", c.policy());
            if (c.resourcePolicy() != null) {
                n.put("resourcePolicy", c.resourcePolicy());
            }
            ObjectNode ctx = n.putObject("context");
            c.context().forEach(ctx::put);
        }
        try {
            String out = Processes.run(List.of(System.getProperty("node", "node"), dir.resolve("iam-check.js").toString()), dir,
                    JSON.writeValueAsString(input), 300);
            JsonNode results = JSON.readTree(out).path("results");
            List<Outcome> outcomes = new ArrayList<>();
            for (JsonNode r : results) {
                Call c = calls.get(Integer.parseInt(r.path("id").asText()));
                if (r.path("result").asText().equals("Error")) {
                    throw new IllegalStateException("iam-simulate could not evaluate " + c.show() + ": " + r.path("errors"));
                }
                outcomes.add(new Outcome(c, r.path("result").asText()));
            }
            if (outcomes.size() != calls.size()) {
                throw new IllegalStateException("iam-simulate answered " + outcomes.size() + " of " + calls.size() + " calls");
            }
            return outcomes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
