/**
 * The OTLP/HTTP route as exporters meet it: the official OpenTelemetry JS SDK
 * with both OTLP exporters (protobuf and JSON, plain and gzip) sending real
 * spans over HTTP to a Node server that serves the route handler, plus every
 * kind of bad request. (e2e/ingest-otel.spec.ts does the same against the
 * running Next app.)
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { fromBinary } from "@bufbuild/protobuf";
import { SpanStatusCode, type Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter as OTLPHttpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OTLPProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey, hashApiKey } from "@/lib/api-keys/keys";
import { db } from "@/lib/db";
import { POST } from "@/app/api/otel/v1/traces/route";
import { otlpRequest, randomTraceId } from "@/tests/factories/otlp";
import { ExportTraceServiceResponseSchema } from "./proto/gen/flightdeck/otlp/trace_pb";

const ingestKey = generateApiKey();
const readOnlyKey = generateApiKey();
let server: Server;
let endpoint: string;

beforeAll(async () => {
  process.env.INGEST_MAX_BODY_BYTES = String(64 * 1024);
  await db.apiKey.createMany({
    data: [
      { name: "otel test ingest", prefix: ingestKey.slice(0, 9), hash: hashApiKey(ingestKey), scopes: ["ingest"] },
      { name: "otel test reader", prefix: readOnlyKey.slice(0, 9), hash: hashApiKey(readOnlyKey), scopes: ["runs:read"] },
    ],
  });
  await db.modelPrice.upsert({
    where: { matchPattern_effectiveFrom: { matchPattern: "gpt-4o-mini", effectiveFrom: new Date("2024-07-18") } },
    create: { model: "gpt-4o-mini", matchPattern: "gpt-4o-mini", inputPerMillion: 0.15, outputPerMillion: 0.6, cachedInputPerMillion: 0.075, effectiveFrom: new Date("2024-07-18") },
    update: {},
  });
  // A plain Node server handing each request to the route handler, as Next does.
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const request = new NextRequest(`http://localhost${req.url}`, { method: req.method, headers, body: Buffer.concat(chunks) });
    const response = await POST(request, { params: Promise.resolve({}) });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/otel/v1/traces`;
});

afterAll(async () => {
  delete process.env.INGEST_MAX_BODY_BYTES;
  await new Promise((resolve) => server.close(resolve));
});

/** Sends one agent run through a real SDK pipeline; returns its trace id. */
async function sendRun(exporter: SpanExporter, agent: string): Promise<string> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": `${agent}-service`, "flightdeck.team": "sdk-team" }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer: Tracer = provider.getTracer("flightdeck-sdk-test");
  const t0 = Date.now() - 10_000;
  const root = tracer.startSpan(`invoke_agent ${agent}`, { startTime: t0, attributes: { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent } });
  const traceId = root.spanContext().traceId;
  const { trace, context } = await import("@opentelemetry/api");
  const ctx = trace.setSpan(context.active(), root);
  const llm = tracer.startSpan(
    "chat gpt-4o-mini",
    {
      startTime: t0 + 100,
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.usage.input_tokens": 2000,
        "gen_ai.usage.output_tokens": 500,
        "gen_ai.agent.name": agent,
      },
    },
    ctx,
  );
  llm.addEvent("gen_ai.user.message", { content: "Route ticket 17" }, t0 + 101);
  llm.end(t0 + 900);
  const tool = tracer.startSpan("execute_tool crm.assign", { startTime: t0 + 1000, attributes: { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "crm.assign", "gen_ai.tool.call.arguments": '{"queue":"billing"}' } }, ctx);
  tool.setStatus({ code: SpanStatusCode.ERROR, message: "queue closed" });
  tool.end(t0 + 1200);
  root.end(t0 + 2000);
  await provider.forceFlush();
  await provider.shutdown();
  return traceId;
}

async function expectStoredRun(traceId: string, agent: string) {
  const run = await db.run.findUniqueOrThrow({ where: { traceId }, include: { steps: { orderBy: { startedAt: "asc" } }, agent: true, team: true } });
  expect(run).toMatchObject({ name: `invoke_agent ${agent}`, status: "SUCCEEDED", stepCount: 3, failedStepCount: 1, inputTokens: 2000n, outputTokens: 500n, flagToolFailure: true });
  expect(run.agent?.name).toBe(agent);
  expect(run.team?.name).toBe("sdk-team");
  // 2000 × 0.15 + 500 × 0.6 per million
  expect(Number(run.costUsd)).toBeCloseTo(0.0006, 9);
  expect(run.steps.map((s) => [s.kind, s.status])).toEqual([
    ["AGENT", "OK"],
    ["LLM_CALL", "OK"],
    ["TOOL_CALL", "FAILED"],
  ]);
  expect(run.steps[1]?.inputMessages).toEqual([{ role: "user", content: "Route ticket 17" }]);
  expect(run.steps[2]).toMatchObject({ error: "queue closed", tool: "crm.assign", arguments: { queue: "billing" } });
  expect(run.steps[1]?.attributes).toEqual({});
}

const headers = (extra: Record<string, string> = {}) => ({ Authorization: `Bearer ${ingestKey}`, ...extra });

describe("POST /api/otel/v1/traces with the OpenTelemetry SDK", () => {
  for (const [label, make] of [
    ["protobuf", () => new OTLPProtoExporter({ url: endpoint, headers: headers() })],
    ["protobuf + gzip", () => new OTLPProtoExporter({ url: endpoint, headers: headers(), compression: CompressionAlgorithm.GZIP })],
    ["JSON", () => new OTLPHttpJsonExporter({ url: endpoint, headers: headers() })],
    ["JSON + gzip", () => new OTLPHttpJsonExporter({ url: endpoint, headers: headers(), compression: CompressionAlgorithm.GZIP })],
  ] as const) {
    it(`stores runs, steps, tokens and cost sent by the ${label} exporter`, async () => {
      const agent = `sdk-${label.replace(/\W+/g, "-")}`;
      const traceId = await sendRun(make(), agent);
      await expectStoredRun(traceId, agent);
    });
  }
});

async function post(body: BodyInit, extra: Record<string, string>) {
  return fetch(endpoint, { method: "POST", headers: headers(extra), body });
}

describe("POST /api/otel/v1/traces with bad input", () => {
  it("answers in the request's encoding and reports rejected spans as partial success", async () => {
    const traceId = randomTraceId();
    const body = otlpRequest([
      { traceId, name: "ok", start: new Date(Date.now() - 1000), parentSpanId: "1234567890abcdef" },
      { traceId, name: "bad", start: new Date(Date.now() - 1000), attributes: { "gen_ai.usage.input_tokens": -1 } },
    ]);
    const json = await post(JSON.stringify(body), { "Content-Type": "application/json" });
    expect(json.status).toBe(200);
    expect(json.headers.get("content-type")).toBe("application/json");
    const answer = (await json.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(answer.partialSuccess.rejectedSpans).toBe("1");
    expect(answer.partialSuccess.errorMessage).toContain("gen_ai.usage.input_tokens must be a whole number");
    expect(await db.step.count({ where: { traceId } })).toBe(1);

    const ok = await post(JSON.stringify(otlpRequest([])), { "Content-Type": "application/json" });
    expect(await ok.json()).toEqual({});
  });

  it("answers protobuf to protobuf", async () => {
    const res = await post(new Uint8Array(0), { "Content-Type": "application/x-protobuf" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-protobuf");
    const message = fromBinary(ExportTraceServiceResponseSchema, new Uint8Array(await res.arrayBuffer()));
    expect(message.partialSuccess).toBeUndefined();
  });

  it("refuses a wrong content type with 415", async () => {
    const res = await post("hello", { "Content-Type": "text/plain" });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ error: { code: "unsupported_media_type:content_type" } });
    const encoding = await post("{}", { "Content-Type": "application/json", "Content-Encoding": "br" });
    expect(encoding.status).toBe(415);
  });

  it("refuses malformed protobuf, JSON, gzip and OTLP structure with 400", async () => {
    const cases: [BodyInit, Record<string, string>, string][] = [
      [new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), { "Content-Type": "application/x-protobuf" }, "bad_request:protobuf"],
      ["{not json", { "Content-Type": "application/json" }, "bad_request:json"],
      ["", { "Content-Type": "application/json" }, "bad_request:body"],
      [JSON.stringify({ resourceSpans: "nope" }), { "Content-Type": "application/json" }, "bad_request:otlp_json"],
      [JSON.stringify([1, 2]), { "Content-Type": "application/json" }, "bad_request:otlp_json"],
      ["not gzip at all", { "Content-Type": "application/json", "Content-Encoding": "gzip" }, "bad_request:gzip"],
    ];
    for (const [body, extra, code] of cases) {
      const res = await post(body, extra);
      expect(res.status, code).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code } });
    }
  });

  it("refuses bodies over INGEST_MAX_BODY_BYTES with 413, before and after gzip", async () => {
    const big = JSON.stringify({ resourceSpans: [], pad: "x".repeat(70 * 1024) });
    const plain = await post(big, { "Content-Type": "application/json" });
    expect(plain.status).toBe(413);
    // A gzip bomb: a few hundred bytes that inflate to 10 MB.
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const res = await post(bomb, { "Content-Type": "application/json", "Content-Encoding": "gzip" });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: "payload_too_large:body", message: expect.stringContaining("decompressed") } });
  });

  it("answers 401 without a valid key and 403 without the ingest scope", async () => {
    const none = await fetch(endpoint, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    expect(none.status).toBe(401);
    const wrong = await fetch(endpoint, { method: "POST", headers: { "Content-Type": "application/json", Authorization: "Bearer fd_nope" }, body: "{}" });
    expect(wrong.status).toBe(401);
    const reader = await fetch(endpoint, { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${readOnlyKey}` }, body: "{}" });
    expect(reader.status).toBe(403);
    expect(await reader.json()).toMatchObject({ error: { code: "forbidden:api_key" } });
  });
});
