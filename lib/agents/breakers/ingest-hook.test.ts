import { describe, expect, it } from "vitest";
import type { StoredBatch } from "@/lib/telemetry/pipeline";
import { stepDraft } from "@/tests/factories/step-draft";
import { conditionsMovedBy, mayHaveNewLoops } from "./ingest-hook";
import { spendUpperBound, toolErrorRateFromBatch, type BreakerReading } from "./measure";

const stored = (over: { spend?: number[]; loopRunIds?: string[]; itemRunIds?: string[] } = {}) =>
  ({
    runIds: ["r1"],
    itemRunIds: over.itemRunIds ?? [],
    steps: { spend: (over.spend ?? []).map((costUsd) => ({ costUsd, agentId: "a" })), analysis: { loopRunIds: over.loopRunIds ?? [], evaluators: false } },
  }) as unknown as StoredBatch;
const batch = (steps: ReturnType<typeof stepDraft>[]) => ({ source: "native" as const, steps });
const call = (spanId: string, over: Partial<ReturnType<typeof stepDraft>> = {}) => stepDraft({ spanId, kind: "TOOL_CALL", tool: "erp.lookup", arguments: { id: spanId }, ...over });

describe("what a batch can move", () => {
  it("tool calls move the tool error rate; spend moves the hourly spend; an LLM call alone moves nothing else", () => {
    expect([...conditionsMovedBy({ batch: batch([call("a")]), stored: stored() })]).toEqual(["TOOL_ERROR_RATE"]);
    expect([...conditionsMovedBy({ batch: batch([stepDraft({ spanId: "l", kind: "LLM_CALL" })]), stored: stored({ spend: [0.2] }) })]).toEqual(["SPEND_HOUR"]);
    expect([...conditionsMovedBy({ batch: batch([stepDraft({ spanId: "l", kind: "LLM_CALL" })]), stored: stored({ spend: [0] }) })]).toEqual([]);
  });

  it("loops only when a trace repeats a call or a decision, an existing run got calls, or run items came", () => {
    expect(mayHaveNewLoops({ batch: batch([call("a"), call("b")]), stored: stored() })).toBe(false);
    expect(mayHaveNewLoops({ batch: batch([call("a", { arguments: { id: 1 } }), call("b", { arguments: { id: 1 } })]), stored: stored() })).toBe(true);
    // The same call in two traces is not a loop.
    expect(mayHaveNewLoops({ batch: batch([call("a", { arguments: { id: 1 } }), call("b", { arguments: { id: 1 }, traceId: "ffffffffffffffffffffffffffffffff" })]), stored: stored() })).toBe(false);
    const decision = (spanId: string) => stepDraft({ spanId, kind: "DECISION", decision: { chosen: "Retry", rationale: null, alternatives: [], confidence: null } });
    expect(mayHaveNewLoops({ batch: batch([decision("a"), decision("b")]), stored: stored() })).toBe(true);
    expect(mayHaveNewLoops({ batch: batch([]), stored: stored({ loopRunIds: ["r1"] }) })).toBe(true);
    expect(mayHaveNewLoops({ batch: batch([]), stored: stored({ itemRunIds: ["r1"] }) })).toBe(true);
  });
});

const reading = (since: number | null): BreakerReading => ({
  id: "b",
  agentId: "a",
  mode: "ENFORCE",
  state: "CLOSED",
  enabled: true,
  coolDownMinutes: 15,
  lastFiredAt: null,
  windowStartedAt: null,
  agentStatus: "ACTIVE",
  lastValue: null,
  lastEvaluatedAt: null,
  since: since === null ? null : new Date(since),
});

describe("the batch fast path", () => {
  const breaker = { id: "b", agentId: "a", name: "n", mode: "ENFORCE" as const, coolDownMinutes: 15, condition: "TOOL_ERROR_RATE" as const, params: { thresholdPct: 50, window: 3, minSample: 3 } };
  const calls = [
    { at: 5, failed: true, traceId: "t5" },
    { at: 4, failed: true, traceId: "t4" },
    { at: 3, failed: false, traceId: "t3" },
    { at: 2, failed: true, traceId: "t2" },
  ];
  it("measures the newest window of the batch's calls since the breaker's start", () => {
    expect(toolErrorRateFromBatch(breaker, reading(null), calls, (t) => `run-${t}`)).toMatchObject({ crossed: true, runIds: ["run-t5", "run-t4"] });
  });
  it("needs the stored calls when the batch holds fewer than the window since the start", () => {
    expect(toolErrorRateFromBatch(breaker, reading(4), calls, (t) => t)).toBeNull();
  });
});

describe("the spend bound", () => {
  const days = (entries: [string, number][]) => new Map(entries);
  it("is the baseline plus what the daily rollup gained since, plus the batch", () => {
    const baseline = { since: -Infinity, spend: 3, days: days([["2026-12-01", 10]]), at: 1_000 };
    expect(spendUpperBound(baseline, -Infinity, 2_000, days([["2026-12-01", 12]]), 0.5)).toBe(5.5);
    // A new day counts whole; a rollup that shrank (prices recomputed) adds nothing.
    expect(spendUpperBound(baseline, -Infinity, 2_000, days([["2026-12-01", 9], ["2026-12-02", 1]]), 0)).toBe(4);
  });
  it("has no baseline when the breaker's start moved or the baseline is a minute old", () => {
    const baseline = { since: -Infinity, spend: 3, days: days([]), at: 1_000 };
    expect(spendUpperBound(baseline, 5, 2_000, days([]), 0)).toBeNull();
    expect(spendUpperBound(baseline, -Infinity, 62_000, days([]), 0)).toBeNull();
    expect(spendUpperBound(undefined, -Infinity, 2_000, days([]), 0)).toBeNull();
  });
});
