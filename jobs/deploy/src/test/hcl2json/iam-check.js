// Evaluates AWS calls against identity policies with @cloud-copilot/iam-simulate (a maintained IAM policy
// evaluator): reads {"calls": [{id, principal, accountId, action, resource, context, policy, resourcePolicy?}]} as JSON on
// stdin, prints {"results": [{id, result, errors}]} on stdout. Used by jobs/deploy's DeploymentConsistencyTest.
"use strict";
const { runSimulation } = require("@cloud-copilot/iam-simulate");

async function main() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const results = [];
  for (const call of input.calls) {
    const r = await runSimulation({
      request: {
        principal: call.principal,
        action: call.action,
        resource: { resource: call.resource, accountId: call.accountId },
        contextVariables: call.context || {},
      },
      identityPolicies: [{ name: call.policyName || "job", policy: JSON.parse(call.policy) }],
      resourcePolicy: call.resourcePolicy ? JSON.parse(call.resourcePolicy) : undefined,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    }, {});
    if (r.resultType === "error") {
      results.push({ id: call.id, result: "Error", errors: r.errors });
    } else {
      const ignored = r.resultType === "single" ? r.result.ignoredContextKeys || [] : [];
      results.push({ id: call.id, result: r.overallResult, ignoredContextKeys: ignored });
    }
  }
  process.stdout.write(JSON.stringify({ results }) + "\n");
}

main().catch((e) => {
  process.stderr.write("iam-check: " + (e && e.stack ? e.stack : e) + "\n");
  process.exit(1);
});
