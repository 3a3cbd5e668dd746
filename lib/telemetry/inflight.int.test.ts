/**
 * The ingestion memory bound through both ingestion routes and the real
 * database: N uploads held open fill INGEST_MAX_INFLIGHT_BYTES, the next one
 * is answered 429 with Retry-After (exporters retry), and the held ones then
 * succeed; the bound is back to zero afterwards.
 */
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as otlp } from "@/app/api/otel/v1/traces/route";
import { POST as native } from "@/app/api/v1/ingest/route";
import { generateApiKey, hashApiKey } from "@/lib/api-keys/keys";
import { db } from "@/lib/db";
import { otlpRequest, randomSpanId, randomTraceId } from "@/tests/factories/otlp";
import { ingestInflight } from "./inflight";

const MiB = 1024 * 1024;
const key = generateApiKey();
const noParams = { params: Promise.resolve({}) };

beforeAll(async () => {
  // Small numbers, same shape as production (16 MiB bodies, 64 MiB in flight): 4 bodies fill the bound.
  process.env.INGEST_MAX_BODY_BYTES = String(MiB);
  process.env.INGEST_MAX_INFLIGHT_BYTES = String(4 * MiB);
  delete (globalThis as Record<symbol, unknown>)[Symbol.for("flightdeck.ingestInflight")];
  await db.apiKey.create({ data: { name: "inflight", prefix: key.slice(0, 9), hash: hashApiKey(key), scopes: ["ingest"] } });
});

afterAll(() => {
  delete process.env.INGEST_MAX_BODY_BYTES;
  delete process.env.INGEST_MAX_INFLIGHT_BYTES;
});

/** A valid OTLP/JSON body of exactly `size` bytes (JSON allows the trailing spaces). */
function paddedBody(size: number): Uint8Array {
  const json = JSON.stringify(otlpRequest([{ traceId: randomTraceId(), spanId: randomSpanId(), name: "chat", start: new Date(Date.now() - 60_000), attributes: { "gen_ai.operation.name": "chat" } }]));
  return new TextEncoder().encode(json.padEnd(size, " "));
}

/** An upload that sends half its body, then waits for `gate` before the rest. */
function heldUpload(body: Uint8Array, gate: Promise<void>, declare: boolean) {
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent >= body.byteLength) return controller.close();
      if (sent >= body.byteLength / 2) await gate;
      const chunk = body.subarray(sent, Math.min(body.byteLength, sent + 64 * 1024));
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  const headers: Record<string, string> = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };
  if (declare) headers["Content-Length"] = String(body.byteLength);
  return new NextRequest(new Request("http://localhost/api/otel/v1/traces", { method: "POST", headers, body: stream, duplex: "half" } as RequestInit));
}

/** Until every held upload has reserved its bytes (each first authenticates and takes a pool connection), at most 5 s. */
async function settle(bytes: number): Promise<void> {
  for (const deadline = Date.now() + 5_000; ingestInflight().inUse < bytes && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
}

describe("ingestion bytes in flight", () => {
  it("answers 429 with Retry-After past INGEST_MAX_INFLIGHT_BYTES while N uploads are held open, and lets the held ones finish", async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const held = [0, 1, 2, 3].map(() => otlp(heldUpload(paddedBody(MiB), gate, true), noParams));
    await settle(4 * MiB);
    expect(ingestInflight().inUse).toBe(4 * MiB);

    for (const route of [otlp, native]) {
      const next = await route(heldUpload(paddedBody(MiB), Promise.resolve(), true), noParams);
      expect(next.status).toBe(429);
      expect(next.headers.get("retry-after")).toBe("2");
      expect(await next.json()).toMatchObject({ error: { code: "rate_limited:ingest_inflight" } });
    }
    // Undeclared (chunked) bodies are counted as they stream in, and cut off.
    const chunked = await otlp(heldUpload(paddedBody(MiB), Promise.resolve(), false), noParams);
    expect(chunked.status).toBe(429);

    open();
    const answers = await Promise.all(held);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    for (const answer of answers) expect(await answer.json()).toEqual({});
    expect(ingestInflight().inUse).toBe(0);

    // With room again, a new upload goes through.
    expect((await otlp(heldUpload(paddedBody(MiB), Promise.resolve(), true), noParams)).status).toBe(200);
  });

  it("still answers 413, not 429, for a body declared over INGEST_MAX_BODY_BYTES", async () => {
    const res = await otlp(heldUpload(paddedBody(2 * MiB), Promise.resolve(), true), noParams);
    expect(res.status).toBe(413);
    expect(ingestInflight().inUse).toBe(0);
  });
});
