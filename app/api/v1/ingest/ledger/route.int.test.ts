/** GET /api/v1/ingest/ledger: the ledger summed over shards and sources, per minute, hour or day; admin keys only. */
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";
import { generateApiKey, hashApiKey } from "@/lib/api-keys/keys";
import { db } from "@/lib/db";
import { ingestOtlpJson } from "@/lib/telemetry/ingest";
import { otlpRequest, randomTraceId } from "@/tests/factories/otlp";
import { getKeyIngestSummaries } from "@/lib/telemetry/ledger";
import { GET, POST } from "./route";

const admin = generateApiKey();
const ingestOnly = generateApiKey();
const sender = `ledger-test-${Date.now()}`;
const noParams = { params: Promise.resolve({}) };
const T = new Date("2026-11-30T10:00:00.000Z");
const minute = (m: number) => new Date(T.getTime() + m * 60_000);

beforeAll(async () => {
  await db.apiKey.createMany({
    data: [
      { name: "ledger admin", prefix: admin.slice(0, 9), hash: hashApiKey(admin), scopes: ["admin"] },
      { name: "ledger ingest", prefix: ingestOnly.slice(0, 9), hash: hashApiKey(ingestOnly), scopes: ["ingest"] },
    ],
  });
  const row = (m: number, source: string, shard: number, spans: number) => ({
    apiKeyId: sender,
    minute: minute(m),
    source,
    shard,
    requests: 1,
    spansReceived: spans,
    spansAccepted: spans - 1,
    spansDuplicate: 1,
    spansRejected: 1,
    runsCreated: 1,
  });
  await db.ingestLedger.createMany({
    data: [row(0, "otlp", 0, 10), row(0, "otlp", 5, 20), row(0, "native", 1, 30), row(1, "otlp", 2, 40), row(75, "otlp", 3, 50)],
  });
});

const get = (query: string, key = admin) => GET(new NextRequest(`http://localhost/api/v1/ingest/ledger?${query}`, { headers: { Authorization: `Bearer ${key}` } }), noParams);

describe("GET /api/v1/ingest/ledger", () => {
  it("sums shards and sources per minute and per hour", async () => {
    const range = `apiKey=${sender}&from=${T.toISOString()}&to=${minute(120).toISOString()}`;
    const byMinute = await get(`${range}&groupBy=minute`);
    expect(byMinute.status).toBe(200);
    const body = await byMinute.json();
    expect(body.buckets.map((b: { start: string; requests: number; spansReceived: number }) => [b.start, b.requests, b.spansReceived])).toEqual([
      [minute(0).toISOString(), 3, 60],
      [minute(1).toISOString(), 1, 40],
      [minute(75).toISOString(), 1, 50],
    ]);
    expect(body.totals).toEqual({ requests: 5, spansReceived: 150, spansAccepted: 145, spansDuplicate: 5, spansRejected: 5, runsCreated: 5 });

    const byHour = await (await get(`${range}&groupBy=hour`)).json();
    expect(byHour.buckets.map((b: { start: string; spansReceived: number }) => [b.start, b.spansReceived])).toEqual([
      [T.toISOString(), 100],
      [minute(60).toISOString(), 50],
    ]);
    expect(byHour).toMatchObject({ apiKey: sender, groupBy: "hour", from: T.toISOString(), to: minute(120).toISOString() });
  });

  it("records real ingestion under the key's id, read back for Settings", async () => {
    const key = await db.apiKey.findUniqueOrThrow({ where: { hash: hashApiKey(admin) } });
    await ingestOtlpJson(
      { type: "API_KEY", id: key.id, label: key.name },
      otlpRequest([{ traceId: randomTraceId(), name: "root", start: new Date(Date.now() - 5_000), end: new Date() }]),
    );
    const summary = (await getKeyIngestSummaries([key.id])).get(key.id);
    expect(summary?.last24h).toMatchObject({ requests: 1, spansReceived: 1, spansAccepted: 1, runsCreated: 1 });
    expect(summary?.minutes).toHaveLength(1);
    expect(summary?.hours).toHaveLength(1);
    const api = await (await get(`apiKey=${key.id}&groupBy=minute&from=${new Date(Date.now() - 3_600_000).toISOString()}`)).json();
    expect(api.totals).toMatchObject({ requests: 1, spansAccepted: 1 });
  });

  it("answers 400 naming the field, 403 without admin, and 405 with Allow for POST", async () => {
    const bad = await get("groupBy=week");
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({ code: "bad_request:ingest_ledger_query", details: [{ path: "groupBy" }] });
    const tooMany = await get(`groupBy=minute&from=2026-01-01&to=2026-02-01`);
    expect(tooMany.status).toBe(400);
    expect((await get(`from=2026-02-01&to=2026-01-01`)).status).toBe(400);
    expect((await get("", ingestOnly)).status).toBe(403);
    const post = await POST(new NextRequest("http://localhost/api/v1/ingest/ledger", { method: "POST" }));
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toContain("GET");
  });
});
