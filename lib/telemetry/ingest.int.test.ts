import { beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain, type Actor } from "@/lib/audit";
import { db } from "@/lib/db";
import { otlpRequest, randomSpanId, randomTraceId, type SpanSpec } from "@/tests/factories/otlp";
import { ingestOtlpJson, ingestSpans } from "./ingest";
import { decodeOtlpJson } from "./otlp";

const actor: Actor = { type: "SYSTEM", label: "ingest test" };
const T0 = new Date("2025-06-02T10:00:00.000Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

/** This file's line of the ingestion ledger, summed over minutes, sources and shards. */
async function ledger() {
  const { _sum } = await db.ingestLedger.aggregate({
    where: { apiKeyId: "system:ingest test" },
    _sum: { requests: true, spansReceived: true, spansAccepted: true, spansDuplicate: true, spansRejected: true, runsCreated: true },
  });
  return Object.fromEntries(Object.entries(_sum).map(([k, v]) => [k, v ?? 0]));
}

function delta(after: Record<string, number>, before: Record<string, number>) {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
}

beforeAll(async () => {
  await db.modelPrice.createMany({
    data: [
      // Old price, then the one in force from June 2025: the span's start time picks.
      { model: "gpt-4o", matchPattern: "gpt-4o", inputPerMillion: 5, outputPerMillion: 15, cachedInputPerMillion: 2.5, effectiveFrom: new Date("2024-01-01") },
      { model: "gpt-4o", matchPattern: "gpt-4o", inputPerMillion: 2.5, outputPerMillion: 10, cachedInputPerMillion: 1.25, effectiveFrom: new Date("2025-06-01") },
    ],
  });
});

/** A realistic agent trace: agent root, an LLM call, a failed tool call, a decision, a state change. */
function agentTrace(traceId: string, opts: { agent?: string; team?: string } = {}): SpanSpec[] {
  const agent = opts.agent ?? "invoice-reconciler";
  const root = "a".repeat(15) + "1";
  return [
    {
      traceId,
      spanId: root,
      name: "invoke_agent reconcile invoice 4711",
      start: at(0),
      end: at(60),
      attributes: {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": agent,
        "flightdeck.team": opts.team ?? "finance-ops",
        "gen_ai.conversation.id": "conv-1",
        "flightdeck.run.outcome": "success",
      },
    },
    {
      traceId,
      spanId: "b".repeat(15) + "1",
      parentSpanId: root,
      name: "chat gpt-4o",
      start: at(1),
      end: at(5),
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.response.model": "gpt-4o",
        "gen_ai.usage.input_tokens": 1000,
        "gen_ai.usage.output_tokens": 200,
        "gen_ai.usage.cache_read.input_tokens": 400,
        "gen_ai.agent.name": agent,
        "flightdeck.prompt.name": "reconcile",
        "flightdeck.prompt.version": 3,
        "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: "Reconcile invoice 4711" }] }]),
        "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "Looking it up" }] }]),
        "gen_ai.request.temperature": 0.2,
      },
    },
    {
      traceId,
      spanId: "c".repeat(15) + "1",
      parentSpanId: root,
      name: "execute_tool erp.lookup_invoice",
      start: at(6),
      end: at(7),
      attributes: {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "erp.lookup_invoice",
        "gen_ai.tool.call.arguments": '{"invoice":"4711"}',
        "error.type": "TimeoutError",
      },
      status: { code: 2, message: "ERP did not answer within 30 s" },
    },
    {
      traceId,
      spanId: "d".repeat(15) + "1",
      parentSpanId: root,
      name: "decide next step",
      start: at(8),
      end: at(9),
      attributes: {
        "flightdeck.decision.chosen": "retry_with_backoff",
        "flightdeck.decision.rationale": "The ERP timed out once; a retry is cheap.",
        "flightdeck.decision.alternatives": ["escalate", "give_up"],
        "flightdeck.decision.confidence": 0.8,
      },
    },
    {
      traceId,
      spanId: "e".repeat(15) + "1",
      parentSpanId: root,
      name: "state change",
      start: at(10),
      end: at(10),
      attributes: { "flightdeck.state.from": "matching", "flightdeck.state.to": "waiting_for_erp" },
    },
  ];
}

async function runOf(traceId: string) {
  return db.run.findUniqueOrThrow({
    where: { traceId },
    include: { steps: { orderBy: { startedAt: "asc" } }, agent: true, team: true },
  });
}

function totalsOf(run: Awaited<ReturnType<typeof runOf>>) {
  return {
    name: run.name,
    status: run.status,
    outcome: run.outcome,
    agent: run.agent?.name,
    team: run.team?.name,
    startedAt: run.startedAt.toISOString(),
    endedAt: run.endedAt?.toISOString(),
    lastStepAt: run.lastStepAt.toISOString(),
    inputTokens: run.inputTokens,
    outputTokens: run.outputTokens,
    cachedInputTokens: run.cachedInputTokens,
    costUsd: run.costUsd.toString(),
    stepCount: run.stepCount,
    failedStepCount: run.failedStepCount,
    unpricedCount: run.unpricedCount,
    flagToolFailure: run.flagToolFailure,
  };
}

describe("OTLP ingestion", () => {
  it("maps a GenAI agent trace into a run with steps, totals, cost and new agent and team", async () => {
    const before = await ledger();
    const traceId = randomTraceId();
    const result = await ingestOtlpJson(actor, otlpRequest(agentTrace(traceId)));
    expect(result).toEqual({ acceptedSpans: 5, rejectedSpans: 0 });

    const run = await runOf(traceId);
    expect(run.name).toBe("invoke_agent reconcile invoice 4711");
    expect(run.status).toBe("SUCCEEDED"); // the root span's status is unset
    expect(run.outcome).toBe("SUCCESS");
    expect(run.agent?.name).toBe("invoice-reconciler");
    expect(run.team?.name).toBe("finance-ops");
    expect(run.agent?.teamId).toBe(run.teamId);
    expect(run.conversationId).toBe("conv-1");
    expect(run.startedAt.toISOString()).toBe(at(0).toISOString());
    expect(run.endedAt?.toISOString()).toBe(at(60).toISOString());
    expect(run.inputTokens).toBe(1000n);
    expect(run.outputTokens).toBe(200n);
    expect(run.cachedInputTokens).toBe(400n);
    // (600 × 2.5 + 400 × 1.25 + 200 × 10) / 1e6 at the June 2025 price
    expect(Number(run.costUsd)).toBeCloseTo(0.004, 9);
    expect(run.stepCount).toBe(5);
    expect(run.failedStepCount).toBe(1);
    expect(run.unpricedCount).toBe(0);
    expect(run.flagToolFailure).toBe(true);

    const [agentStep, llm, tool, decision, state] = run.steps;
    expect(agentStep?.kind).toBe("AGENT");
    expect(agentStep?.costUsd).toBeNull();
    expect(llm).toMatchObject({ kind: "LLM_CALL", model: "gpt-4o", provider: "openai", inputTokens: 1000, outputTokens: 200, cachedInputTokens: 400, promptName: "reconcile", promptVersion: 3, unpriced: false, parentSpanId: "a".repeat(15) + "1" });
    expect(Number(llm?.costUsd)).toBeCloseTo(0.004, 9);
    expect(llm?.inputMessages).toEqual([{ role: "user", parts: [{ type: "text", content: "Reconcile invoice 4711" }] }]);
    expect(llm?.attributes).toEqual({ "gen_ai.request.temperature": 0.2 });
    expect(tool).toMatchObject({ kind: "TOOL_CALL", tool: "erp.lookup_invoice", status: "FAILED", error: "ERP did not answer within 30 s", arguments: { invoice: "4711" } });
    expect(decision).toMatchObject({
      kind: "DECISION",
      decision: { chosen: "retry_with_backoff", rationale: "The ERP timed out once; a retry is cheap.", alternatives: ["escalate", "give_up"], confidence: 0.8 },
    });
    expect(state?.kind).toBe("STATE_TRANSITION");
    expect(state?.attributes).toMatchObject({ "flightdeck.state.from": "matching", "flightdeck.state.to": "waiting_for_erp" });

    const spend = await db.spendDaily.findMany({ where: { agentId: run.agentId!, day: new Date("2025-06-02") } });
    expect(spend).toHaveLength(1);
    expect(spend[0]).toMatchObject({ model: "gpt-4o", promptName: "reconcile", promptVersion: 3, calls: 1, unpricedCalls: 0, inputTokens: 1000n, teamId: run.teamId });

    // What was sent is the ingestion ledger's (no audit event per request any more).
    expect(delta(await ledger(), before)).toEqual({ requests: 1, spansReceived: 5, spansAccepted: 5, spansDuplicate: 0, spansRejected: 0, runsCreated: 1 });
  });

  it("stores and counts a re-sent span once", async () => {
    const traceId = randomTraceId();
    const body = otlpRequest(agentTrace(traceId, { agent: "resend-agent", team: "resend-team" }));
    await ingestOtlpJson(actor, body);
    const first = totalsOf(await runOf(traceId));
    const again = await ingestSpans(actor, decodeOtlpJson(body));
    expect(again).toMatchObject({ acceptedSpans: 5, rejectedSpans: 0, storedSpans: 0, duplicateSpans: 5 });
    expect(totalsOf(await runOf(traceId))).toEqual(first);
    expect(await db.step.count({ where: { traceId } })).toBe(5);
    const agent = await db.agent.findUniqueOrThrow({ where: { name: "resend-agent" } });
    const spend = await db.spendDaily.findMany({ where: { agentId: agent.id } });
    expect(spend.map((s) => [s.calls, s.inputTokens])).toEqual([[1, 1000n]]);
    const monthly = await db.spendMonthly.findMany({ where: { agentId: agent.id } });
    expect(monthly.map((m) => [m.calls, m.costUsd.toString()])).toEqual([[1, spend[0]!.costUsd.toString()]]);
  });

  it("counts only the new spans of a request that re-sends some, in the run totals", async () => {
    const traceId = randomTraceId();
    const spans = agentTrace(traceId, { agent: "partial-agent" });
    await ingestOtlpJson(actor, otlpRequest(spans));
    const whole = totalsOf(await runOf(traceId));
    const extra: SpanSpec = {
      traceId,
      parentSpanId: "a".repeat(15) + "1",
      name: "chat gpt-4o",
      start: at(20),
      end: at(21),
      attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 100, "gen_ai.usage.output_tokens": 10 },
      status: { code: 2, message: "boom" },
    };
    const again = await ingestSpans(actor, decodeOtlpJson(otlpRequest([...spans, extra])));
    expect(again).toMatchObject({ storedSpans: 1, duplicateSpans: 5 });
    const run = await runOf(traceId);
    expect(run.stepCount).toBe(whole.stepCount + 1);
    expect(run.failedStepCount).toBe(whole.failedStepCount + 1);
    expect(run.inputTokens).toBe(whole.inputTokens + 100n);
    // 100 input and 10 output tokens at $2.5 and $10 per million.
    expect(run.costUsd.toFixed(9)).toBe((Number(whole.costUsd) + 0.00035).toFixed(9));
  });

  it("counts each request in the ingestion ledger (this minute, its source), not in the audit log", async () => {
    const traceId = randomTraceId();
    const auditBefore = await db.auditEvent.count();
    const before = await ledger();
    const spans = agentTrace(traceId, { agent: "audited-agent" });
    await ingestOtlpJson(actor, otlpRequest(spans));
    // Re-sent with one bad span: 5 duplicates, 1 rejected, no new run.
    await ingestOtlpJson(actor, otlpRequest([...spans, { traceId, spanId: "0000000000000000", parentSpanId: randomSpanId(), name: "bad", start: at(1), end: at(2) }]));
    expect(delta(await ledger(), before)).toEqual({ requests: 2, spansReceived: 11, spansAccepted: 10, spansDuplicate: 5, spansRejected: 1, runsCreated: 1 });
    expect(await db.auditEvent.count()).toBe(auditBefore);
    const rows = await db.ingestLedger.findMany({ where: { apiKeyId: "system:ingest test", minute: { gte: new Date(Date.now() - 120_000) } } });
    for (const row of rows) {
      expect(row.source).toBe("otlp");
      expect(row.minute.getUTCSeconds()).toBe(0);
      expect(row.shard).toBeGreaterThanOrEqual(0);
      expect(row.shard).toBeLessThan(8);
    }
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, break: null });
  });

  it("flags loops of a new run and of a run completed across requests, and resumes a stalled run that gets a step", async () => {
    const tool = (traceId: string, second: number): SpanSpec => ({
      traceId,
      parentSpanId: "a".repeat(15) + "1",
      name: "execute_tool lookup",
      start: new Date(Date.now() - 60_000 + second * 1000),
      end: new Date(Date.now() - 60_000 + second * 1000 + 500),
      attributes: { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "lookup", "gen_ai.tool.call.arguments": '{"Invoice": 4711, "b": "X Y"}' },
    });
    const looping = randomTraceId();
    await ingestOtlpJson(actor, otlpRequest([tool(looping, 1), tool(looping, 2), tool(looping, 3)]));
    const newRun = await runOf(looping);
    expect(newRun.flagLoop).toBe(true);
    expect(await db.step.count({ where: { runId: newRun.id, flagLoop: true } })).toBe(3);

    const later = randomTraceId();
    await ingestOtlpJson(actor, otlpRequest([tool(later, 1), tool(later, 2)]));
    expect((await runOf(later)).flagLoop).toBe(false);
    await db.run.update({ where: { traceId: later }, data: { status: "STALLED", flagStall: true } });
    await ingestOtlpJson(actor, otlpRequest([tool(later, 3)]));
    const resumed = await runOf(later);
    expect(resumed).toMatchObject({ flagLoop: true, status: "RUNNING", flagStall: true, stepCount: 3 });
    expect(await db.step.count({ where: { runId: resumed.id, flagLoop: true } })).toBe(3);
  });

  it("gives the same run for children first, split requests and concurrent delivery as for one ordered batch", async () => {
    const ordered = randomTraceId();
    await ingestOtlpJson(actor, otlpRequest(agentTrace(ordered, { agent: "order-agent", team: "order-team" })));
    const expected = totalsOf(await runOf(ordered));

    const scattered = randomTraceId();
    const spans = agentTrace(scattered, { agent: "order-agent", team: "order-team" }).reverse(); // children first, root last
    // One request per child, concurrently (each its own transaction on its own connection).
    await Promise.all(spans.slice(0, 4).map((s) => ingestOtlpJson(actor, otlpRequest([s]))));
    const running = await runOf(scattered);
    expect(running.status).toBe("RUNNING");
    expect(running.name).toBeNull();
    // The root, plus a re-sent child, at the end.
    await ingestOtlpJson(actor, otlpRequest([spans[4]!, spans[0]!]));
    expect(totalsOf(await runOf(scattered))).toEqual(expected);
  });

  it("stays consistent when many requests of one run arrive at once", async () => {
    const traceId = randomTraceId();
    const root = randomSpanId();
    const children: SpanSpec[] = Array.from({ length: 40 }, (_, i) => ({
      traceId,
      spanId: randomSpanId(),
      parentSpanId: root,
      name: "chat gpt-4o",
      start: at(i),
      end: at(i + 1),
      attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 1, "gen_ai.agent.name": "burst-agent" },
    }));
    const batches = Array.from({ length: 8 }, (_, b) => children.filter((_, i) => i % 8 === b));
    // Every batch is sent twice, concurrently.
    await Promise.all([...batches, ...batches].map((batch) => ingestOtlpJson(actor, otlpRequest(batch))));
    const run = await runOf(traceId);
    expect(run.stepCount).toBe(40);
    expect(run.inputTokens).toBe(400n);
    expect(run.outputTokens).toBe(40n);
    expect(Number(run.costUsd)).toBeCloseTo((400 * 2.5 + 40 * 10) / 1e6, 9);
  });

  it("prices with the span's own cost first, and marks a model without a price unpriced, never $0", async () => {
    const traceId = randomTraceId();
    await ingestOtlpJson(
      actor,
      otlpRequest([
        { traceId, name: "chat carried", start: at(0), end: at(1), parentSpanId: randomSpanId(), attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 100, "gen_ai.usage.output_tokens": 10, "gen_ai.usage.cost": 0.5 } },
        { traceId, name: "chat mystery", start: at(1), end: at(2), parentSpanId: randomSpanId(), attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "mystery-model-9", "gen_ai.usage.input_tokens": 100, "gen_ai.usage.output_tokens": 10, "gen_ai.agent.name": "unpriced-agent" } },
        { traceId, name: "chat old price", start: new Date("2025-03-01T00:00:00Z"), end: new Date("2025-03-01T00:00:01Z"), parentSpanId: randomSpanId(), attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.prompt_tokens": 1000, "gen_ai.usage.completion_tokens": 100 } },
      ]),
    );
    const run = await runOf(traceId);
    const byName = Object.fromEntries(run.steps.map((s) => [s.name, s]));
    expect(Number(byName["chat carried"]?.costUsd)).toBe(0.5);
    expect(byName["chat mystery"]?.costUsd).toBeNull();
    expect(byName["chat mystery"]?.unpriced).toBe(true);
    // Legacy token names, priced at the 2024 price in force on 1 March 2025.
    expect(Number(byName["chat old price"]?.costUsd)).toBeCloseTo((1000 * 5 + 100 * 15) / 1e6, 9);
    expect(run.unpricedCount).toBe(1);
    expect(Number(run.costUsd)).toBeCloseTo(0.5 + 0.0065, 9);
    const agent = await db.agent.findUniqueOrThrow({ where: { name: "unpriced-agent" } });
    const spend = await db.spendDaily.findFirstOrThrow({ where: { agentId: agent.id, model: "mystery-model-9" } });
    expect(spend).toMatchObject({ calls: 1, unpricedCalls: 1, inputTokens: 100n });
    expect(Number(spend.costUsd)).toBe(0);
  });

  it("rejects bad spans one by one and stores the valid spans of the same request", async () => {
    const traceId = randomTraceId();
    const base = { traceId, name: "chat", start: at(0), end: at(1), parentSpanId: randomSpanId() };
    const body = otlpRequest([
      { ...base, attributes: { "gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 5 } },
      { ...base, traceId: "xyz", spanId: randomSpanId() },
      { ...base, spanId: "0000000000000000" },
      { ...base, attributes: { "gen_ai.usage.input_tokens": -5 } },
      { ...base, start: new Date("3000-01-01T00:00:00Z"), end: new Date("3000-01-01T00:00:01Z") },
      { ...base, start: at(10), end: at(5) },
      { ...base, attributes: { "flightdeck.decision.chosen": "x", "flightdeck.decision.confidence": 7 } },
      { ...base, attributes: { "flightdeck.run.outcome": "great" } },
      { ...base, attributes: { "gen_ai.usage.cost": -1 } },
      { ...base, attributes: { "gen_ai.usage.output_tokens": "lots" } },
    ]);
    const result = await ingestOtlpJson(actor, body);
    expect(result.acceptedSpans).toBe(1);
    expect(result.rejectedSpans).toBe(9);
    expect(result.errorMessage).toMatch(/^9 spans rejected: /);
    expect(result.errorMessage).toContain("traceId must be 16 bytes");
    expect(await db.step.count({ where: { traceId } })).toBe(1);

    const detail = await ingestSpans(actor, decodeOtlpJson(body));
    expect(detail.rejections.map((r) => r.message)).toEqual([
      expect.stringContaining("traceId"),
      expect.stringContaining("spanId"),
      expect.stringContaining("gen_ai.usage.input_tokens must be a whole number from 0"),
      expect.stringContaining("in the future"),
      expect.stringContaining("endTimeUnixNano is before startTimeUnixNano"),
      expect.stringContaining("confidence must be between 0 and 1"),
      expect.stringContaining("flightdeck.run.outcome must be"),
      expect.stringContaining("cost must be between 0"),
      expect.stringContaining("gen_ai.usage.output_tokens must be a number"),
    ]);
  });

  it("reads messages from span events and OpenInference attributes", async () => {
    const traceId = randomTraceId();
    await ingestOtlpJson(
      actor,
      otlpRequest([
        {
          traceId,
          parentSpanId: randomSpanId(),
          name: "chat legacy",
          start: at(0),
          end: at(1),
          attributes: { "gen_ai.system": "anthropic", "gen_ai.request.model": "claude-x" },
          events: [
            { name: "gen_ai.system.message", attributes: { content: "Be brief." } },
            { name: "gen_ai.user.message", attributes: { content: "Hello" } },
            { name: "gen_ai.choice", attributes: { index: 0, finish_reason: "stop", message: { role: "assistant", content: "Hi" } } },
          ],
        },
        {
          traceId,
          parentSpanId: randomSpanId(),
          name: "ChatCompletion",
          start: at(2),
          end: at(3),
          attributes: {
            "openinference.span.kind": "LLM",
            "llm.model_name": "gpt-4o",
            "llm.token_count.prompt": 10,
            "llm.token_count.completion": 2,
            "llm.input_messages.0.message.role": "user",
            "llm.input_messages.0.message.content": "Hi there",
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.content": "Hello",
          },
        },
      ]),
    );
    const run = await runOf(traceId);
    const [legacy, openInference] = run.steps;
    expect(legacy).toMatchObject({
      kind: "LLM_CALL",
      provider: "anthropic",
      model: "claude-x",
      inputMessages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hello" },
      ],
      outputMessages: [{ role: "assistant", content: "Hi", index: 0, finish_reason: "stop" }],
    });
    expect(openInference).toMatchObject({
      kind: "LLM_CALL",
      model: "gpt-4o",
      inputTokens: 10,
      outputTokens: 2,
      inputMessages: [{ role: "user", content: "Hi there" }],
      outputMessages: [{ role: "assistant", content: "Hello" }],
      attributes: {},
    });
  });
});
