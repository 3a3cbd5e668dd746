/**
 * Breakers evaluated as telemetry arrives: a post-store hook, inside the
 * ingestion transaction, so a trip commits with the spans that caused it (the
 * agent reads `tripped` as soon as the span is acknowledged).
 *
 * Cheap by construction (README.md, "Costs"):
 * - no enabled breaker of a condition the batch can move (the per-instance
 *   cache, cache.ts; no tool call for the tool error rate, no possible new
 *   loop, no spend): no statement at all;
 * - otherwise one statement (readBatchState) reads which agent each of the
 *   batch's runs belongs to, the fresh state of those agents' breakers that
 *   could fire, and the spend rollup the spend bound needs; the tool error
 *   rate is then read from the batch itself when it holds a window's worth of
 *   the agent's calls, and only batches with a failed call are looked at; the
 *   spend bound clears the hourly spend without summing it;
 * - what that cannot decide is measured from the stored telemetry, one
 *   statement per condition kind for all breakers of the batch (measure.ts);
 * - rows are locked only when a threshold is crossed, never waited for (fire.ts):
 *   a trip whose agent row another transaction holds is handed over, to fire
 *   the moment this one commits (deferred.ts).
 * Time-based conditions (a run running too long, rejections in a row, windows
 * that slide) and half-open tests are the sweep's (sweep.ts).
 */
import { SYSTEM_ACTOR, type Actor } from "@/lib/audit";
import { loopKey } from "@/lib/runs/loops";
import type { HookContext, PostStoreHook } from "@/lib/telemetry/pipeline";
import { enabledBreakers, type CachedBreaker } from "./cache";
import { mayFire } from "./conditions";
import type { Fired } from "./fire";
import { evaluateKind, readBatchState, spendCleared, toolErrorRateFromBatch, type BatchCall, type Evaluation } from "./measure";
import type { BreakerConditionName } from "./schemas";

export const BREAKER_ACTOR: Actor = { ...SYSTEM_ACTOR, label: "breakers" };

/** Conditions a batch can move: pure, from what was stored. */
export function conditionsMovedBy(context: Pick<HookContext, "batch" | "stored">): Set<BreakerConditionName> {
  const moved = new Set<BreakerConditionName>();
  if (context.batch.steps.some((s) => s.kind === "TOOL_CALL")) moved.add("TOOL_ERROR_RATE");
  if (mayHaveNewLoops(context)) moved.add("LOOPS");
  if (context.stored.steps.spend.some((row) => row.costUsd > 0)) moved.add("SPEND_HOUR");
  return moved;
}

/**
 * Could this batch have flagged a run looping? Runs it created are flagged from their own steps (a repeated call
 * or decision among them), existing runs that got tool calls or decisions are re-checked by the run analysis, run
 * items get the whole analysis. A batch with none of these flagged nothing new (with redaction on, two calls whose
 * arguments only match once redacted are the sweep's to see).
 */
export function mayHaveNewLoops(context: Pick<HookContext, "batch" | "stored">): boolean {
  if (context.stored.itemRunIds.length || context.stored.steps.analysis.loopRunIds.length) return true;
  const seen = new Set<string>();
  for (const s of context.batch.steps) {
    const key = loopKey({ id: s.spanId, kind: s.kind, tool: s.tool, arguments: s.arguments, decision: s.decision });
    if (key === null) continue;
    const k = `${s.traceId}\u0000${key}`;
    if (seen.has(k)) return true;
    seen.add(k);
  }
  return false;
}

/** The batch's spend per agent id, not yet in the daily rollup (the spend hook runs after this one). */
function spendByAgent(context: Pick<HookContext, "stored">): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of context.stored.steps.spend) if (row.agentId) out.set(row.agentId, (out.get(row.agentId) ?? 0) + row.costUsd);
  return out;
}

/** The batch's tool calls per agent, newest first. */
function callsByAgent(context: Pick<HookContext, "batch">, agentOfTrace: Map<string, string>): Map<string, BatchCall[]> {
  const out = new Map<string, BatchCall[]>();
  for (const s of context.batch.steps) {
    if (s.kind !== "TOOL_CALL") continue;
    const agentId = agentOfTrace.get(s.traceId);
    if (!agentId) continue;
    const list = out.get(agentId) ?? [];
    list.push({ at: s.startedAt.getTime(), failed: s.status === "FAILED", traceId: s.traceId });
    out.set(agentId, list);
  }
  for (const list of out.values()) list.sort((a, b) => b.at - a.at);
  return out;
}

/**
 * Measures the batch's agents' breakers that it can move and fires those that crossed. The common case is one
 * statement (readBatchState): the tool error rate is read from the batch itself when it holds the window, the
 * spend is cleared by its bound; only what those cannot decide is measured from the stored telemetry.
 */
export async function evaluateBatch(context: Pick<HookContext, "tx" | "connection" | "batch" | "stored">, now = new Date()): Promise<Fired[]> {
  const { tx, connection, stored } = context;
  if (stored.runIds.length === 0) return [];
  const snapshot = await enabledBreakers(tx, connection);
  if (snapshot.size === 0) return [];
  const moved = [...conditionsMovedBy(context)].filter((c) => snapshot.conditions.has(c));
  if (moved.length === 0) return [];
  const state = await readBatchState(tx, connection, stored.runIds, moved, now);
  if (state.breakers.length === 0) return [];

  const crossings: Evaluation[] = [];
  const consider = (e: Evaluation) => {
    if (e.measure?.crossed && mayFire(e.reading, now)) crossings.push(e);
  };
  const fromStore = new Map<BreakerConditionName, CachedBreaker[]>();
  const measureStored = (b: CachedBreaker) => fromStore.set(b.condition, [...(fromStore.get(b.condition) ?? []), b]);
  const calls = moved.includes("TOOL_ERROR_RATE") ? callsByAgent(context, state.agentOfTrace) : new Map<string, BatchCall[]>();
  const spend = spendByAgent(context);
  const runOfTrace = (traceId: string) => state.runOfTrace.get(traceId) ?? traceId;
  for (const { breaker, reading } of state.breakers) {
    if (breaker.condition === "TOOL_ERROR_RATE") {
      const mine = calls.get(breaker.agentId) ?? [];
      // Only failures raise the rate; a batch of successes can at most complete the minimum sample (the sweep's).
      if (!mine.some((c) => c.failed)) continue;
      const measure = stored.steps.duplicates === 0 ? toolErrorRateFromBatch(breaker, reading, mine, runOfTrace) : null;
      if (measure) consider({ breaker, reading, measure });
      else measureStored(breaker);
    } else if (breaker.condition === "SPEND_HOUR") {
      if (!spendCleared(breaker, reading, state.days.get(breaker.agentId), spend.get(breaker.agentId) ?? 0, now)) measureStored(breaker);
    } else if (breaker.condition === "LOOPS") {
      measureStored(breaker);
    }
  }
  for (const [condition, breakers] of fromStore) {
    for (const e of await evaluateKind(tx, connection, condition, breakers, now, { eligibleOnly: true })) consider(e);
  }
  if (crossings.length === 0) return [];
  // Firing reaches the status module (server-only): loaded only when something crossed, so scripts that ingest
  // without Next's react-server condition (the seed, the demo generator) can import the pipeline.
  const [{ fireCrossings }, { armDeferredFiring, handOver }] = await Promise.all([import("./fire"), import("./deferred")]);
  armDeferredFiring();
  const { fired, deferred } = await fireCrossings(tx, connection, BREAKER_ACTOR, crossings, now, { agentLock: "skip" });
  if (deferred.length) await handOver(tx, deferred);
  return fired;
}

export const breakersHook: PostStoreHook = {
  name: "agents.breakers",
  async run(context) {
    await evaluateBatch(context);
  },
};
