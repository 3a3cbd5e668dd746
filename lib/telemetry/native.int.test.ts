/** The native batch API and the runs read API, through their route handlers against the real database. */
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";
import { POST as ingest } from "@/app/api/v1/ingest/route";
import { GET as getRun } from "@/app/api/v1/runs/[id]/route";
import { GET as listRuns } from "@/app/api/v1/runs/route";
import { generateApiKey, hashApiKey } from "@/lib/api-keys/keys";
import { db } from "@/lib/db";
import { randomSpanId, randomTraceId } from "@/tests/factories/otlp";

const allKey = generateApiKey();
const ingestOnly = generateApiKey();
const noParams = { params: Promise.resolve({}) };

beforeAll(async () => {
  await db.apiKey.createMany({
    data: [
      { name: "native all", prefix: allKey.slice(0, 9), hash: hashApiKey(allKey), scopes: ["admin"] },
      { name: "native ingest", prefix: ingestOnly.slice(0, 9), hash: hashApiKey(ingestOnly), scopes: ["ingest"] },
    ],
  });
  await db.modelPrice.create({
    data: { model: "claude-sonnet-4", matchPattern: "claude-sonnet-4", inputPerMillion: 3, outputPerMillion: 15, cachedInputPerMillion: 0.3, effectiveFrom: new Date("2025-01-01") },
  });
});

function postIngest(body: unknown, key = allKey, contentType = "application/json") {
  return ingest(
    new NextRequest("http://localhost/api/v1/ingest", {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": contentType },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
    noParams,
  );
}

const get = (path: string, key = allKey) => new NextRequest(`http://localhost${path}`, { headers: { Authorization: `Bearer ${key}` } });

describe("POST /api/v1/ingest", () => {
  it("stores runs, steps and evaluations, reports bad items by index and keeps the good ones", async () => {
    const traceId = randomTraceId();
    const root = randomSpanId();
    const llm = randomSpanId();
    const res = await postIngest({
      runs: [
        { traceId, name: "Negotiate delivery for PO 88", agent: "supplier-negotiator", team: "procurement", status: "succeeded", outcome: "failure", outcomeImpact: "Supplier refused", startedAt: "2025-07-01T09:00:00Z", endedAt: "2025-07-01T09:05:00Z" },
        { traceId: "nothex", startedAt: "2025-07-01T09:00:00Z" },
      ],
      steps: [
        { traceId, spanId: root, kind: "agent", name: "negotiate", startedAt: "2025-07-01T09:00:00Z", endedAt: "2025-07-01T09:05:00Z" },
        { traceId, spanId: llm, parentSpanId: root, kind: "LLM_CALL", name: "draft e-mail", startedAt: "2025-07-01T09:01:00Z", endedAt: "2025-07-01T09:01:03Z", model: "claude-sonnet-4", inputTokens: 3000, outputTokens: 800, promptName: "supplier-email", promptVersion: 2, outputMessages: [{ role: "assistant", content: "Dear supplier" }] },
        { traceId, spanId: randomSpanId(), parentSpanId: root, kind: "tool_call", name: "send e-mail", status: "failed", error: "SMTP 550", tool: "email.send", arguments: { to: "x@example.com" }, startedAt: "2025-07-01T09:02:00Z" },
        { traceId, spanId: randomSpanId(), parentSpanId: root, kind: "decision", name: "choose", decision: { chosen: "wait", rationale: "Supplier is slow", alternatives: ["call"], confidence: 0.6 }, startedAt: "2025-07-01T09:03:00Z" },
        { traceId, spanId: randomSpanId(), kind: "LLM_CALL", name: "negative", inputTokens: -3, startedAt: "2025-07-01T09:01:00Z" },
        { traceId, spanId: randomSpanId(), kind: "LLM_CALL", name: "future", startedAt: "3000-01-01T00:00:00Z" },
        { traceId, spanId: randomSpanId(), kind: "WIZARDRY", name: "bad kind", startedAt: "2025-07-01T09:01:00Z" },
        { traceId, kind: "OTHER", name: "no span id", startedAt: "2025-07-01T09:01:00Z" },
      ],
      evaluations: [
        { traceId, spanId: llm, name: "tone", source: "judge", score: 0.9 },
        { traceId, name: "business outcome", source: "human", passed: false, comment: "No delivery date" },
        { traceId: randomTraceId(), name: "orphan" },
        { traceId, name: "too high", score: 3 },
      ],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { accepted: Record<string, number>; rejected: Record<string, number>; storedSteps: number; errors: { item: string; index: number; path: string }[] };
    // An evaluation cannot claim through a key to be a person's (source "human" is refused: the hardening issue, item 7).
    expect(body.accepted).toEqual({ runs: 1, steps: 4, evaluations: 1 });
    expect(body.rejected).toEqual({ runs: 1, steps: 4, evaluations: 3 });
    expect(body.storedSteps).toBe(4);
    expect(body.errors.map((e) => `${e.item}[${e.index}].${e.path}`)).toEqual([
      "evaluations[1].source",
      "evaluations[2].traceId",
      "evaluations[3].score",
      "runs[1].traceId",
      "steps[4].inputTokens",
      "steps[5].startedAt",
      "steps[6].kind",
      "steps[7].spanId",
    ]);

    // Read it back through the runs API, by run id and by trace id.
    const list = await listRuns(get(`/api/v1/runs?traceId=${traceId}`), noParams);
    const { data, nextCursor } = (await list.json()) as { data: { id: string }[]; nextCursor: string | null };
    expect(data).toHaveLength(1);
    expect(nextCursor).toBeNull();
    for (const key of [data[0]!.id, traceId.toUpperCase()]) {
      const detail = await getRun(get(`/api/v1/runs/${key}`), { params: Promise.resolve({ id: key }) });
      expect(detail.status).toBe(200);
      const run = await detail.json();
      expect(run).toMatchObject({
        id: data[0]!.id,
        traceId,
        name: "Negotiate delivery for PO 88",
        agent: "supplier-negotiator",
        team: "procurement",
        status: "succeeded",
        outcome: "failure",
        startedAt: "2025-07-01T09:00:00.000Z",
        endedAt: "2025-07-01T09:05:00.000Z",
        totals: { inputTokens: 3000, outputTokens: 800, cachedInputTokens: 0, costUsd: 0.021, steps: 4 },
        flags: { loop: false, stall: false, toolFailure: true, unpriced: false, escalated: false },
      });
      expect(run.steps).toHaveLength(4);
      expect(run.steps[1]).toMatchObject({ spanId: llm, parentSpanId: root, kind: "LLM_CALL", status: "ok", model: "claude-sonnet-4", costUsd: 0.021, unpriced: false, promptName: "supplier-email", promptVersion: 2, inputTokens: 3000 });
      expect(run.steps[2]).toMatchObject({ kind: "TOOL_CALL", status: "failed", error: "SMTP 550", tool: "email.send", arguments: { to: "x@example.com" }, costUsd: null });
      expect(run.steps[3]).toMatchObject({ kind: "DECISION", decision: { chosen: "wait", rationale: "Supplier is slow", alternatives: ["call"], confidence: 0.6 } });
    }
    const evaluations = await db.evaluation.findMany({ where: { run: { traceId } }, orderBy: { name: "asc" } });
    expect(evaluations.map((e) => [e.name, e.kind, e.source, e.stepId !== null])).toEqual([["tone", "OUTPUT", "JUDGE", true]]);
    // The run item's agent and team key the call's spend too, though the steps name neither (and are stored first).
    const [agent, team] = await Promise.all([db.agent.findUniqueOrThrow({ where: { name: "supplier-negotiator" } }), db.team.findUniqueOrThrow({ where: { name: "procurement" } })]);
    const spend = await db.spendDaily.findMany({ where: { day: new Date("2025-07-01"), model: "claude-sonnet-4", promptName: "supplier-email" } });
    expect(spend.map((r) => [r.agentId, r.teamId, r.calls])).toEqual([[agent.id, team.id, 1]]);
  });

  it("answers 400 for malformed bodies, 415 for non-JSON, 403 without the ingest scope", async () => {
    expect((await postIngest("{oops")).status).toBe(400);
    expect((await postIngest([])).status).toBe(400);
    expect((await postIngest({})).status).toBe(400);
    expect((await postIngest({ steps: "x" })).status).toBe(400);
    expect((await postIngest("a=b", allKey, "application/x-www-form-urlencoded")).status).toBe(415);
    const reader = generateApiKey();
    await db.apiKey.create({ data: { name: "native reader", prefix: reader.slice(0, 9), hash: hashApiKey(reader), scopes: ["runs:read"] } });
    expect((await postIngest({ runs: [] }, reader)).status).toBe(403);
    // …and the ingest-only key cannot read runs.
    expect((await listRuns(get("/api/v1/runs", ingestOnly), noParams)).status).toBe(403);
  });
});

describe("GET /api/v1/runs", () => {
  it("filters by agent, status and time, and pages with a cursor", async () => {
    const steps = Array.from({ length: 5 }, (_, i) => ({
      traceId: randomTraceId(),
      spanId: randomSpanId(),
      kind: "AGENT",
      name: `paged run ${i}`,
      agent: "pager-agent",
      status: i === 4 ? "failed" : "ok",
      startedAt: `2025-08-0${i + 1}T12:00:00Z`,
      endedAt: `2025-08-0${i + 1}T12:01:00Z`,
    }));
    expect((await postIngest({ steps })).status).toBe(200);

    const seen: string[] = [];
    let cursor: string | null = "";
    while (cursor !== null) {
      const res = await listRuns(get(`/api/v1/runs?agent=pager-agent&limit=2${cursor ? `&cursor=${cursor}` : ""}`), noParams);
      const page = (await res.json()) as { data: { name: string; agent: string }[]; nextCursor: string | null };
      seen.push(...page.data.map((r) => r.name));
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(["paged run 4", "paged run 3", "paged run 2", "paged run 1", "paged run 0"]);

    const failed = await (await listRuns(get("/api/v1/runs?agent=pager-agent&status=FAILED"), noParams)).json();
    expect(failed.data.map((r: { name: string; status: string }) => [r.name, r.status])).toEqual([["paged run 4", "failed"]]);
    const window = await (await listRuns(get("/api/v1/runs?agent=pager-agent&from=2025-08-02&to=2025-08-04T00:00:00Z"), noParams)).json();
    expect(window.data.map((r: { name: string }) => r.name)).toEqual(["paged run 2", "paged run 1"]);
  });

  it("answers 400 for malformed filters and ids, 404 for unknown runs", async () => {
    for (const query of ["status=happy", "traceId=xyz", "from=yesterday", "limit=0", "cursor=bm9wZQ"]) {
      const res = await listRuns(get(`/api/v1/runs?${query}`), noParams);
      expect(res.status, query).toBe(400);
    }
    const malformed = await getRun(get("/api/v1/runs/not-an-id!"), { params: Promise.resolve({ id: "not-an-id!" }) });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { code: "bad_request:run_id" } });
    const unknownId = "c" + "0".repeat(24);
    expect((await getRun(get(`/api/v1/runs/${unknownId}`), { params: Promise.resolve({ id: unknownId }) })).status).toBe(404);
    const unknownTrace = randomTraceId();
    expect((await getRun(get(`/api/v1/runs/${unknownTrace}`), { params: Promise.resolve({ id: unknownTrace }) })).status).toBe(404);
  });
});
