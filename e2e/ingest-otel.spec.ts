/**
 * Telemetry over the wire into the running app: the official OpenTelemetry JS
 * SDK with both OTLP exporters (protobuf and JSON, gzip) sends an agent run to
 * /api/otel/v1/traces; the runs API then shows the stored run, steps, tokens
 * and cost, and a re-sent export changes nothing.
 */
import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { OTLPTraceExporter as OTLPJsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OTLPProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { expect, test } from "./fixtures";

interface StepJson {
  kind: string;
  name: string;
  status: string;
  error: string | null;
  model: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
  unpriced: boolean;
  tool: string | null;
  decision: { chosen: string; alternatives: unknown[]; confidence: number | null } | null;
}

/** Records one agent run in memory (so it can be exported twice); returns its spans. */
function recordRun(agent: string): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": `${agent}-svc`, "flightdeck.team": "e2e-team" }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer("flightdeck-e2e");
  const t0 = Date.now() - 60_000;
  const root = tracer.startSpan(`invoke_agent ${agent}`, { startTime: t0, attributes: { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent, "flightdeck.run.outcome": "success" } });
  const ctx = trace.setSpan(context.active(), root);
  const child = (name: string, start: number, end: number, attributes: Record<string, string | number>, error?: string) => {
    const s = tracer.startSpan(name, { startTime: t0 + start, attributes }, ctx);
    if (error) s.setStatus({ code: SpanStatusCode.ERROR, message: error });
    s.end(t0 + end);
  };
  child("chat carried-cost-model", 100, 900, { "gen_ai.operation.name": "chat", "gen_ai.request.model": "e2e-house-model", "gen_ai.usage.input_tokens": 1200, "gen_ai.usage.output_tokens": 300, "gen_ai.usage.cost": 0.0123 });
  child("chat unpriced", 1000, 1500, { "gen_ai.operation.name": "chat", "gen_ai.request.model": "e2e-model-without-price", "gen_ai.usage.input_tokens": 50, "gen_ai.usage.output_tokens": 5 });
  child("execute_tool erp.post", 1600, 1700, { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "erp.post", "gen_ai.tool.call.arguments": '{"amount": 120}' }, "ERP refused");
  child("decide", 1800, 1850, { "flightdeck.decision.chosen": "retry", "flightdeck.decision.alternatives": '["escalate"]', "flightdeck.decision.confidence": 0.7 });
  root.end(t0 + 2000);
  return memory.getFinishedSpans();
}

function exportSpans(exporter: SpanExporter, spans: ReadableSpan[]): Promise<void> {
  return new Promise((resolve, reject) =>
    exporter.export(spans, (result) => (result.code === 0 ? resolve() : reject(result.error ?? new Error("export failed")))),
  );
}

for (const [label, make] of [
  ["protobuf + gzip", (url: string, key: string) => new OTLPProtoExporter({ url, headers: { Authorization: `Bearer ${key}` }, compression: CompressionAlgorithm.GZIP })],
  ["JSON", (url: string, key: string) => new OTLPJsonExporter({ url, headers: { Authorization: `Bearer ${key}` } })],
] as const) {
  test(`an agent run sent by the ${label} OTLP exporter is stored with its steps, tokens and cost`, async ({ request, baseURL, initApiKey }, testInfo) => {
    // One agent per attempt: the list below must see this attempt's run only.
    const agent = `e2e-otel-${label.replace(/\W+/g, "-")}-${testInfo.retry}-${testInfo.repeatEachIndex}`;
    const spans = recordRun(agent);
    const traceId = spans[0]!.spanContext().traceId;
    const exporter = make(`${baseURL}/api/otel/v1/traces`, initApiKey);
    await exportSpans(exporter, spans);
    await exportSpans(exporter, spans); // re-sent: stored and counted once
    await exporter.shutdown();

    const res = await request.get(`/api/v1/runs/${traceId}`, { headers: { Authorization: `Bearer ${initApiKey}` } });
    expect(res.status()).toBe(200);
    const run = await res.json();
    expect(run).toMatchObject({
      traceId,
      name: `invoke_agent ${agent}`,
      agent,
      team: "e2e-team",
      status: "succeeded",
      outcome: "success",
      totals: { inputTokens: 1250, outputTokens: 305, cachedInputTokens: 0, steps: 5 },
      flags: { toolFailure: true, unpriced: true },
    });
    expect(run.totals.costUsd).toBeCloseTo(0.0123, 9);
    const byName = Object.fromEntries((run.steps as StepJson[]).map((s) => [s.name, s]));
    expect(byName["chat carried-cost-model"]).toMatchObject({ kind: "LLM_CALL", model: "e2e-house-model", inputTokens: 1200, outputTokens: 300, costUsd: 0.0123, unpriced: false });
    expect(byName["chat unpriced"]).toMatchObject({ kind: "LLM_CALL", costUsd: null, unpriced: true });
    expect(byName["execute_tool erp.post"]).toMatchObject({ kind: "TOOL_CALL", tool: "erp.post", status: "failed", error: "ERP refused" });
    expect(byName["decide"]).toMatchObject({ kind: "DECISION", decision: { chosen: "retry", alternatives: ["escalate"], confidence: 0.7 } });

    const list = await request.get(`/api/v1/runs?agent=${agent}`, { headers: { Authorization: `Bearer ${initApiKey}` } });
    expect((await list.json()).data).toHaveLength(1);
  });
}

test("the OTLP endpoint refuses a missing key, a wrong content type and a malformed body", async ({ request, initApiKey }) => {
  expect((await request.post("/api/otel/v1/traces", { headers: { "Content-Type": "application/json" }, data: "{}" })).status()).toBe(401);
  const auth = { Authorization: `Bearer ${initApiKey}` };
  expect((await request.post("/api/otel/v1/traces", { headers: { ...auth, "Content-Type": "text/plain" }, data: "hi" })).status()).toBe(415);
  const bad = await request.post("/api/otel/v1/traces", { headers: { ...auth, "Content-Type": "application/x-protobuf" }, data: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]) });
  expect(bad.status()).toBe(400);
  expect(await bad.json()).toMatchObject({ error: { code: "bad_request:protobuf" } });
});
