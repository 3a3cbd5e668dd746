/**
 * POST /api/v1/ingest against hostile bodies, through the route handler and
 * the real database (lib/telemetry/native.int.test.ts covers the batch
 * itself): deep nesting is a 400 for the whole body, a NUL character costs only
 * its item, a chunked upload over the limit a 413, never a 500 from PostgreSQL.
 */
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey, hashApiKey } from "@/lib/api-keys/keys";
import { db } from "@/lib/db";
import { randomSpanId, randomTraceId } from "@/tests/factories/otlp";
import { GET, POST } from "./route";

const key = generateApiKey();
const noParams = { params: Promise.resolve({}) };

beforeAll(async () => {
  process.env.INGEST_MAX_BODY_BYTES = String(64 * 1024);
  await db.apiKey.create({ data: { name: "ingest hostile", prefix: key.slice(0, 9), hash: hashApiKey(key), scopes: ["ingest"] } });
});

afterAll(() => {
  delete process.env.INGEST_MAX_BODY_BYTES;
});

const ingest = (body: BodyInit, headers: Record<string, string> = { "Content-Type": "application/json" }) =>
  POST(
    // A Request first: a streamed body needs `duplex`, which NextRequest's own init type lacks.
    new NextRequest(new Request("http://localhost/api/v1/ingest", { method: "POST", headers: { Authorization: `Bearer ${key}`, ...headers }, body, duplex: "half" } as RequestInit)),
    noParams,
  );

const step = (extra: Record<string, unknown>) => ({
  traceId: randomTraceId(),
  spanId: randomSpanId(),
  kind: "TOOL_CALL",
  name: "hostile",
  startedAt: new Date(Date.now() - 60_000).toISOString(),
  ...extra,
});

const nest = (depth: number): unknown => (depth === 0 ? "leaf" : { next: nest(depth - 1) });

describe("POST /api/v1/ingest with hostile bodies", () => {
  it("stores arguments nested 60 levels deep (stored documents nest at most 64), and refuses a 200-level body with 400", async () => {
    const ok = await ingest(JSON.stringify({ steps: [step({ arguments: nest(60) })] }));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ accepted: { steps: 1 }, rejected: { steps: 0 } });
    const deep = await ingest(JSON.stringify({ steps: [step({ arguments: nest(200) })] }));
    expect(deep.status).toBe(400);
    expect(await deep.json()).toMatchObject({ error: { code: "bad_request:json", message: expect.stringContaining("128") } });
  });

  it("rejects only the item carrying a NUL character and stores the rest (PostgreSQL would fail the whole batch with a 500)", async () => {
    const traceId = randomTraceId();
    const res = await ingest(JSON.stringify({ steps: [step({ traceId, name: "nul\u0000name" }), step({ traceId, name: "fine" })] }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { rejected: { steps: number }; errors: { index: number; message: string }[] };
    expect(body.rejected.steps).toBe(1);
    expect(body.errors).toEqual([expect.objectContaining({ index: 0, message: expect.stringContaining("NUL") })]);
    expect(await db.step.findMany({ where: { traceId }, select: { name: true } })).toEqual([{ name: "fine" }]);
  });

  it("cuts off a chunked upload over INGEST_MAX_BODY_BYTES with 413", async () => {
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > 200 * 1024) return controller.close();
        sent += 16 * 1024;
        controller.enqueue(new Uint8Array(16 * 1024).fill(0x20));
      },
    });
    const res = await ingest(stream);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: "payload_too_large:body", message: expect.stringContaining("INGEST_MAX_BODY_BYTES") } });
    expect(sent).toBeLessThan(200 * 1024);
  });

  it("refuses a missing content type with 415 and GET with the JSON 405", async () => {
    expect((await ingest("{}", {})).status).toBe(415);
    const res = GET(new NextRequest("http://localhost/api/v1/ingest"));
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("OPTIONS, POST");
  });
});
