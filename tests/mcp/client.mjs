// The official MCP TypeScript SDK client, driven by the functional tests (issue #13).
// Usage: node client.mjs '<plan JSON>'
//   plan: {"url": "...", "headers": {"authorization": "Bearer ..."},
//          "steps": [{"op": "list"}, {"op": "call", "name": "echo", "arguments": {...}}]}
// Prints one JSON line: {"server": serverInfo, "steps": [{"result": ...} | {"error": {...}}]}, or
// {"connectError": {"message", "code"}} when initialize fails (the HTTP status is in "code" for
// transport errors). Exit code 0 either way: the test decides what it expected.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const plan = JSON.parse(process.argv[2]);
const transport = new StreamableHTTPClientTransport(new URL(plan.url), {
  requestInit: { headers: plan.headers ?? {} },
});
const client = new Client({ name: "gateway-functional-tests", version: "1.0.0" });
const error = (e) => ({ message: String(e?.message ?? e), code: e?.code ?? null, data: e?.data ?? null });

try {
  await client.connect(transport);
} catch (e) {
  console.log(JSON.stringify({ connectError: error(e) }));
  process.exit(0);
}
const steps = [];
for (const step of plan.steps ?? []) {
  try {
    if (step.op === "list") steps.push({ result: await client.listTools() });
    else if (step.op === "call") steps.push({ result: await client.callTool({ name: step.name, arguments: step.arguments ?? {} }) });
    else throw new Error(`unknown op ${step.op}`);
  } catch (e) {
    steps.push({ error: error(e) });
  }
}
console.log(JSON.stringify({ server: client.getServerVersion() ?? null, steps }));
await client.close();
