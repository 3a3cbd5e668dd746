/**
 * Telemetry never overwrites a person's judgement, ingested evaluations carry
 * their key and are idempotent, and a re-sent root span does not rewrite its run.
 */
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";
import { POST as ingest } from "@/app/api/v1/ingest/route";
import { generateApiKey, hashApiKey } from "@/lib/api-keys/keys";
import type { Actor } from "@/lib/audit";
import { db } from "@/lib/db";
import { recordRunOutcome, scoreStepOutput } from "@/lib/evaluations/commands";
import { recordOutcomeSchema } from "@/lib/evaluations/schemas";
import { otlpRequest, randomSpanId, randomTraceId, type SpanSpec } from "@/tests/factories/otlp";
import { ingestOtlpJson } from "./ingest";
import { ingestNativeBatch } from "./native";

const person: Actor = { type: "SYSTEM", label: "judgement test person" };
const sender: Actor = { type: "SYSTEM", label: "judgement test" };
const key = generateApiKey();
let keyId = "";

beforeAll(async () => {
  keyId = (await db.apiKey.create({ data: { name: "judgement", prefix: key.slice(0, 9), hash: hashApiKey(key), scopes: ["ingest"] }, select: { id: true } })).id;
});

function postIngest(body: unknown) {
  return ingest(
    new NextRequest("http://localhost/api/v1/ingest", {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }),
    { params: Promise.resolve({}) },
  );
}

const start = new Date(Date.now() - 600_000);
const root = (traceId: string, spanId: string, extra: Partial<SpanSpec> = {}): SpanSpec => ({
  traceId,
  spanId,
  name: "invoke_agent judged",
  start,
  end: new Date(start.getTime() + 5_000),
  attributes: { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "judged-agent", "flightdeck.run.outcome": "success" },
  ...extra,
});

describe("a person's judgement", () => {
  it("keeps a person's outcome when telemetry (root span attribute or run item) states another one later", async () => {
    const traceId = randomTraceId();
    await ingestOtlpJson(sender, otlpRequest([root(traceId, randomSpanId())]));
    const run = await db.run.findUniqueOrThrow({ where: { traceId } });
    expect(run).toMatchObject({ outcome: "SUCCESS", outcomeSource: "EXTERNAL" });

    await recordRunOutcome(person, recordOutcomeSchema.parse({ runId: run.id, outcome: "FAILURE", impact: "Paid twice" }));
    // A later span with an outcome, and a run item with another one: neither replaces the person's.
    await ingestOtlpJson(sender, otlpRequest([{ ...root(traceId, randomSpanId()), parentSpanId: randomSpanId(), attributes: { "flightdeck.run.outcome": "success", "flightdeck.run.outcome_impact": "fine" } }]));
    await ingestNativeBatch(sender, { runs: [{ traceId, outcome: "success", outcomeImpact: "all good", name: "renamed", startedAt: start.toISOString() }] });
    const after = await db.run.findUniqueOrThrow({ where: { traceId } });
    expect(after).toMatchObject({ outcome: "FAILURE", outcomeImpact: "Paid twice", outcomeSource: "HUMAN", name: "renamed" });
  });

  it("lets a run item set the outcome of a run nobody judged, as EXTERNAL", async () => {
    const traceId = randomTraceId();
    await ingestNativeBatch(sender, { runs: [{ traceId, outcome: "failure", startedAt: start.toISOString() }] });
    expect(await db.run.findUniqueOrThrow({ where: { traceId } })).toMatchObject({ outcome: "FAILURE", outcomeSource: "EXTERNAL" });
  });

  it("keeps a person's output score when evaluators or judges score the run afterwards", async () => {
    const traceId = randomTraceId();
    const llm = randomSpanId();
    await ingestNativeBatch(sender, {
      steps: [{ traceId, spanId: llm, kind: "LLM_CALL", name: "draft", startedAt: start.toISOString(), endedAt: new Date(start.getTime() + 1000).toISOString() }],
      evaluations: [{ traceId, spanId: llm, name: "tone", source: "judge", score: 0.2 }],
    });
    const run = await db.run.findUniqueOrThrow({ where: { traceId } });
    expect(run).toMatchObject({ outputScore: 0.2, outputScoreSource: "HEURISTIC" });
    const step = await db.step.findFirstOrThrow({ where: { traceId } });
    await scoreStepOutput(person, { runId: run.id, stepId: step.id, score: 5, comment: null });
    await ingestNativeBatch(sender, { evaluations: [{ traceId, spanId: llm, name: "accuracy", source: "judge", score: 0.1 }] });
    expect(await db.run.findUniqueOrThrow({ where: { traceId } })).toMatchObject({ outputScore: 1, outputScoreSource: "HUMAN" });
  });
});

describe("evaluations sent through ingestion", () => {
  it("are refused when they claim to be from a person, carry their key, and are stored once when re-sent", async () => {
    const traceId = randomTraceId();
    const llm = randomSpanId();
    const batch = {
      steps: [{ traceId, spanId: llm, kind: "LLM_CALL", name: "draft", startedAt: start.toISOString() }],
      evaluations: [
        { traceId, spanId: llm, name: "tone", source: "judge", score: 0.9 },
        { traceId, name: "business outcome", source: "human", passed: false },
        { traceId, name: "csat", score: 0.7 },
      ],
    };
    const first = await postIngest(batch);
    expect(first.status).toBe(200);
    const body = (await first.json()) as { accepted: { evaluations: number }; rejected: { evaluations: number }; errors: { item: string; index: number; path: string; message: string }[] };
    expect(body.accepted.evaluations).toBe(2);
    expect(body.rejected.evaluations).toBe(1);
    expect(body.errors).toEqual([{ item: "evaluations", index: 1, path: "source", message: expect.stringContaining('cannot have source "human"') }]);

    const again = (await (await postIngest(batch)).json()) as { accepted: { evaluations: number } };
    expect(again.accepted.evaluations).toBe(2);
    const stored = await db.evaluation.findMany({ where: { run: { traceId } }, orderBy: { name: "asc" } });
    expect(stored.map((e) => [e.name, e.source, e.apiKeyId])).toEqual([
      ["csat", "EXTERNAL", keyId],
      ["tone", "JUDGE", keyId],
    ]);
    expect(stored.every((e) => e.dedupKey !== null && e.createdById === null)).toBe(true);
    expect(await db.evaluation.count({ where: { run: { traceId }, source: "HUMAN" } })).toBe(0);
  });
});

describe("a re-sent root span", () => {
  it("does not rewrite the run's name, status or agent while its step is skipped as a duplicate", async () => {
    const traceId = randomTraceId();
    const rootId = randomSpanId();
    await ingestOtlpJson(sender, otlpRequest([root(traceId, rootId)]));
    const before = await db.run.findUniqueOrThrow({ where: { traceId }, include: { agent: true } });
    expect(before).toMatchObject({ status: "SUCCEEDED", name: "invoke_agent judged" });

    // Same span id, now failed, renamed and another agent: a duplicate, so nothing of it applies.
    const resent = root(traceId, rootId, {
      name: "invoke_agent rewritten",
      status: { code: 2, message: "boom" },
      attributes: { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "other-agent" },
    });
    const child: SpanSpec = { traceId, parentSpanId: rootId, name: "chat", start, end: new Date(start.getTime() + 1000), attributes: { "gen_ai.operation.name": "chat" } };
    await ingestOtlpJson(sender, otlpRequest([resent, child]));
    const after = await db.run.findUniqueOrThrow({ where: { traceId }, include: { agent: true } });
    expect(after).toMatchObject({ status: "SUCCEEDED", name: "invoke_agent judged", agentId: before.agentId, failedStepCount: 0, stepCount: 2 });
    expect(await db.step.count({ where: { traceId, status: "FAILED" } })).toBe(0);

    // A new root (another span id) still ends and names the run.
    await ingestOtlpJson(sender, otlpRequest([root(traceId, randomSpanId(), { name: "invoke_agent retried", end: new Date(start.getTime() + 9_000), status: { code: 2, message: "x" } })]));
    expect(await db.run.findUniqueOrThrow({ where: { traceId } })).toMatchObject({ status: "FAILED", name: "invoke_agent retried" });
  });
});
