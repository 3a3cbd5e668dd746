/** Both ingestion paths go through the one pipeline: every post-store hook runs once per request, in the declared order. */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Actor } from "@/lib/audit";
import { db } from "@/lib/db";
import { otlpRequest, randomSpanId, randomTraceId } from "@/tests/factories/otlp";
import { POST_STORE_HOOKS } from "./hooks";
import { ingestOtlpJson } from "./ingest";
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
    expect(POST_STORE_HOOKS.map((h) => h.name)).toEqual(["runs.analysis", "evaluations.heuristics", "spend.rollup"]);
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
