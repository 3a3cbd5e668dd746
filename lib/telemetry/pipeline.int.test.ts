/** Both ingestion paths go through the one pipeline: every post-store hook runs once per request, in the declared order. */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Actor } from "@/lib/audit";
import { db } from "@/lib/db";
import { otlpRequest, randomSpanId, randomTraceId } from "@/tests/factories/otlp";
import { POST_STORE_HOOKS } from "./hooks";
import { ingestOtlpJson } from "./ingest";
import { ingestSenderOf } from "./ledger";
import { deleteOldLedgerRows, LEDGER_RETENTION_DAYS } from "./ledger-job";
import { ingestNativeBatch } from "./native";

const actor: Actor = { type: "SYSTEM", label: "pipeline test" };

function recordHooks() {
  const calls: string[] = [];
  for (const hook of POST_STORE_HOOKS) {
    const original = hook.run.bind(hook);
    vi.spyOn(hook, "run").mockImplementation(async (context) => {
      calls.push(hook.name);
      await original(context);
    });
  }
  return calls;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("ingestion pipeline", () => {
  it("declares the spend rollup last (its rows are locked until commit)", () => {
    expect(POST_STORE_HOOKS.map((h) => h.name)).toEqual(["runs.analysis", "evaluations.heuristics", "budgets.settle_reservations", "escalations.argument_binding", "agents.breakers", "spend.rollup"]);
  });

  it("runs every hook once, in order, for an OTLP request and for a native batch", async () => {
    const calls = recordHooks();
    const traceId = randomTraceId();
    await ingestOtlpJson(actor, otlpRequest([{ traceId, name: "chat", start: new Date("2026-11-01T10:00:00Z"), attributes: { "gen_ai.operation.name": "chat" } }]));
    const order = POST_STORE_HOOKS.map((h) => h.name);
    expect(calls).toEqual(order);

    calls.length = 0;
    await ingestNativeBatch(actor, {
      steps: [{ traceId: randomTraceId(), spanId: randomSpanId(), kind: "OTHER", name: "native step", startedAt: "2026-11-01T10:00:00Z" }],
    });
    expect(calls).toEqual(order);
  });

  it("a failing hook rolls back the whole request: no step, no run, no audit event", async () => {
    const traceId = randomTraceId();
    const auditBefore = await db.auditEvent.count();
    vi.spyOn(POST_STORE_HOOKS[POST_STORE_HOOKS.length - 1]!, "run").mockRejectedValue(new Error("hook failed"));
    await expect(ingestOtlpJson(actor, otlpRequest([{ traceId, name: "chat", start: new Date("2026-11-01T10:00:00Z") }]))).rejects.toThrow("hook failed");
    expect(await db.step.count({ where: { traceId } })).toBe(0);
    expect(await db.run.count({ where: { traceId } })).toBe(0);
    expect(await db.auditEvent.count()).toBe(auditBefore);
  });
});

describe("ingestion ledger", () => {
  it("counts a native batch's refused step items as rejected spans", async () => {
    const ledgerActor: Actor = { type: "SYSTEM", label: `ledger ${randomTraceId().slice(0, 8)}` };
    const traceId = randomTraceId();
    await ingestNativeBatch(ledgerActor, {
      steps: [
        { traceId, spanId: randomSpanId(), kind: "OTHER", name: "fine", startedAt: "2026-11-01T10:00:00Z" },
        { traceId, spanId: randomSpanId(), kind: "WIZARDRY", name: "bad kind", startedAt: "2026-11-01T10:00:00Z" },
      ],
    });
    const rows = await db.ingestLedger.findMany({ where: { apiKeyId: ingestSenderOf(ledgerActor) } });
    const sum = (k: "spansReceived" | "spansAccepted" | "spansRejected" | "requests") => rows.reduce((n, r) => n + r[k], 0);
    expect([sum("requests"), sum("spansReceived"), sum("spansAccepted"), sum("spansRejected")]).toEqual([1, 2, 1, 1]);
  });

  it("forgets rows past the retention period, keeps the rest", async () => {
    const sender = `system:retention ${randomTraceId().slice(0, 8)}`;
    const now = new Date("2026-12-01T12:00:00Z");
    const row = (daysAgo: number) => ({ apiKeyId: sender, minute: new Date(now.getTime() - daysAgo * 86_400_000), source: "otlp", shard: 0, requests: 1 });
    await db.ingestLedger.createMany({ data: [row(LEDGER_RETENTION_DAYS + 1), row(LEDGER_RETENTION_DAYS - 1)] });
    expect(await deleteOldLedgerRows(now)).toBeGreaterThanOrEqual(1);
    const left = await db.ingestLedger.findMany({ where: { apiKeyId: sender }, select: { minute: true } });
    expect(left.map((r) => r.minute)).toEqual([row(LEDGER_RETENTION_DAYS - 1).minute]);
  });
});
