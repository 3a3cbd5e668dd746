/**
 * What the framework tests share: a real OTLP/HTTP receiver (a Node server handing each request to
 * the `POST /api/otel/v1/traces` route handler, as Next does), an ingest key, a model price, and a
 * real OpenTelemetry Node SDK (NodeTracerProvider with its AsyncLocalStorage context manager and
 * the OTLP protobuf exporter) for the framework under test to report to. Test-only.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { context, propagation, trace, type Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { NextRequest } from "next/server";
import { POST } from "@/app/api/otel/v1/traces/route";
import { generateApiKey, hashApiKey } from "@/lib/api-keys/keys";
import { db } from "@/lib/db";

export interface Receiver {
  endpoint: string;
  headers: Record<string, string>;
  close(): Promise<void>;
}

/** Starts the receiver on 127.0.0.1 with a fresh ingest key. */
export async function startReceiver(): Promise<Receiver> {
  const key = generateApiKey();
  await db.apiKey.create({ data: { name: `framework test ${key.slice(3, 9)}`, prefix: key.slice(0, 9), hash: hashApiKey(key), scopes: ["ingest"] } });
  const server: Server = createServer(async (req, res) => {
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
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/otel/v1/traces`,
    headers: { Authorization: `Bearer ${key}` },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface Tracing {
  tracer: Tracer;
  /** Exports everything ended so far (one request) and waits for the answer. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * A NodeTracerProvider registered globally, as an app's instrumentation file does: `register()` installs
 * the AsyncLocalStorage context manager, without which every span would start its own trace (its own run).
 */
export function startTracing(receiver: Receiver, serviceName: string): Tracing {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: receiver.endpoint, headers: receiver.headers }))],
  });
  provider.register();
  return {
    tracer: provider.getTracer("framework-test"),
    flush: () => provider.forceFlush(),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** A model price effective since 2024, so the test can assert exact cost. */
export async function priceModel(model: string, inputPerMillion: number, outputPerMillion: number, cachedInputPerMillion: number): Promise<void> {
  const effectiveFrom = new Date("2024-01-01");
  await db.modelPrice.upsert({
    where: { matchPattern_effectiveFrom: { matchPattern: model, effectiveFrom } },
    create: { model, matchPattern: model, inputPerMillion, outputPerMillion, cachedInputPerMillion, effectiveFrom },
    update: { inputPerMillion, outputPerMillion, cachedInputPerMillion },
  });
}

/** The stored run of a trace with its steps in start order, its agent and its team. */
export function storedRun(traceId: string) {
  return db.run.findUniqueOrThrow({
    where: { traceId },
    include: { steps: { orderBy: [{ startedAt: "asc" }, { name: "asc" }] }, agent: true, team: true },
  });
}

/**
 * The one run an agent's spans made (one per call, since the context manager nests them), once it has
 * `steps` steps: a stream's outer span ends a moment after its text resolves, so it is flushed and read
 * again until then. Fails if the agent's spans made more than one run.
 */
export async function runOfAgent(tracing: Tracing, agent: string, steps: number) {
  for (let attempt = 0; ; attempt++) {
    await tracing.flush();
    const runs = await db.run.findMany({ where: { agent: { name: agent } }, select: { traceId: true } });
    if (runs.length > 1) throw new Error(`the spans of ${agent} made ${runs.length} runs, not one`);
    const run = runs[0] ? await storedRun(runs[0].traceId) : null;
    if (run && run.steps.length >= steps) return run;
    if (attempt === 40) throw new Error(`the run of ${agent} has ${run?.steps.length ?? 0} of ${steps} steps`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A fake OpenAI-compatible server on 127.0.0.1: each chat completion request gets the next scripted response. */
export async function startFakeOpenAI(script: object[]): Promise<{ baseURL: string; requests: unknown[]; close(): Promise<void> }> {
  const requests: unknown[] = [];
  let next = 0;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    requests.push(JSON.parse(Buffer.concat(chunks).toString("utf8") || "null"));
    const body = script[next++];
    res.writeHead(body ? 200 : 500, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body ?? { error: { message: "script exhausted" } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
