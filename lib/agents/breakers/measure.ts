/**
 * The statements that measure breakers: one per condition kind for any
 * number of breakers (the hook's batch, or every enabled breaker for the
 * sweep), each reading the breakers' fresh state (mode, state, cool-down,
 * window start) beside the samples, per agent rather than per breaker (ten
 * breakers of one agent read its recent tool calls once). The pure functions
 * in conditions.ts turn the samples into a measure.
 *
 * Each statement walks one narrow index per agent (migration
 * 20261201170500_breaker_indexes): the agent's most recently active runs
 * (`fd_run_agent_last_step`), its looping runs (`fd_run_agent_loop`, partial),
 * its running runs (`fd_run_agent_running`, partial), its decided escalations
 * (`fd_escalation_agent_decided`, partial), and SpendDaily by (agentId, day).
 * The per-agent parts are MATERIALIZED: computed once, not once per breaker
 * row they are joined to. "The last N tool calls" are read from the agent's
 * most recently active runs, newest run first, stopping at N (so their cost is
 * the few runs they come from, not the window's).
 *
 * Spend in the last hour is the one measure whose exact cost grows with the
 * agent's traffic (its runs of the last hour). The hook avoids it on most
 * batches with an upper bound: the last exact value this instance measured
 * plus everything the agent's daily rollup gained since, plus the batch's own
 * spend (the rollup hook runs after this one). Only when that bound exceeds
 * the limit, or the baseline is a minute old, is the exact sum taken.
 */
import type { Tx } from "@/lib/db";
import { bulkQuery, JsonPayload, type Connection } from "@/lib/db/bulk";
import type { CachedBreaker } from "./cache";
import { measureLoops, measureRejections, measureRunDuration, measureSpend, measureToolErrorRate, type FireState, type Measure } from "./conditions";
import { ruleOf, type BreakerConditionName, type BreakerRule } from "./schemas";

/** A breaker's fresh state as the statement read it. */
export interface BreakerReading extends FireState {
  id: string;
  agentId: string;
  /** The stored column, compared again under the row lock: another instance that fired it moved it. */
  windowStartedAt: Date | null;
  /** Where its data starts: the later of the window start and the agent's last resume. */
  since: Date | null;
  lastValue: number | null;
  lastEvaluatedAt: Date | null;
}

export interface Evaluation {
  breaker: CachedBreaker;
  reading: BreakerReading;
  /** null: not measured (the spend bound showed it cannot have crossed). */
  measure: Measure | null;
}

export interface EvaluateOptions {
  /** Only breakers that could fire (not open; in enforce mode, an active agent): the hook. The sweep reads all, for the page. */
  eligibleOnly: boolean;
}

const COMMON = `b."id", b."agentId", b."mode", b."state", b."enabled", b."coolDownMinutes", b."lastFiredAt", b."windowStartedAt",
  b."agentStatus", b."lastValue", b."lastEvaluatedAt", NULLIF(b.ws, '-infinity'::timestamp) AT TIME ZONE 'UTC' AS "since"`;

/** The breakers asked ($1: [{ id, n }]) with their state; `ws` is where their data starts. $2 now, $3 eligible only. */
const breakersCte = (condition: BreakerConditionName) => `b AS (
  SELECT b."id", b."agentId", x.n, b."mode"::text AS "mode", b."state"::text AS "state", b."enabled", b."coolDownMinutes",
         b."lastFiredAt" AT TIME ZONE 'UTC' AS "lastFiredAt", b."windowStartedAt" AT TIME ZONE 'UTC' AS "windowStartedAt",
         b."lastValue", b."lastEvaluatedAt" AT TIME ZONE 'UTC' AS "lastEvaluatedAt", a."status"::text AS "agentStatus", $2::timestamp AS "now",
         GREATEST(COALESCE(b."windowStartedAt", '-infinity'::timestamp),
                  COALESCE(CASE WHEN a."status" = 'ACTIVE' THEN a."statusChangedAt" END, '-infinity'::timestamp)) AS ws
  FROM jsonb_to_recordset($1::jsonb) AS x(id text, n int)
  JOIN "Breaker" b ON b."id" = x.id
  JOIN "Agent" a ON a."id" = b."agentId"
  WHERE b."enabled" AND b."condition" = '${condition}'
    AND (NOT $3::boolean OR (b."state" <> 'OPEN' AND (b."mode" = 'OBSERVE' OR a."status" = 'ACTIVE'))))`;

const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

/**
 * The last N tool calls of each agent since its earliest window start, newest first, taken from its most recently
 * active runs: the outer LIMIT stops the walk as soon as N calls are read (no sort of the whole window), so the cost
 * is the runs those N calls come from, not the window's.
 */
const TOOL_ERROR_RATE_SQL = `WITH ${breakersCte("TOOL_ERROR_RATE")},
  ag AS (SELECT "agentId", min(ws) AS ws, max(n) AS n FROM b GROUP BY "agentId"),
  calls AS (
    SELECT ag."agentId", c."startedAt", c."failed", c."runId"
    FROM ag CROSS JOIN LATERAL (
      SELECT s."startedAt", s."status" = 'FAILED' AS "failed", s."runId"
      FROM (SELECT r."id" FROM "Run" r WHERE r."agentId" = ag."agentId" AND r."lastStepAt" >= ag.ws ORDER BY r."lastStepAt" DESC LIMIT ag.n) r
      CROSS JOIN LATERAL (
        SELECT s."startedAt", s."status", s."runId" FROM "Step" s
        WHERE s."runId" = r."id" AND s."kind" = 'TOOL_CALL' AND s."startedAt" >= ag.ws ORDER BY s."startedAt" DESC LIMIT ag.n) s
      LIMIT ag.n) c),
  per AS MATERIALIZED (
    SELECT "agentId", array_agg(${epochMs(`"startedAt"`)} ORDER BY "startedAt" DESC) AS "at",
           array_agg("failed" ORDER BY "startedAt" DESC) AS "failed", array_agg("runId" ORDER BY "startedAt" DESC) AS "runIds"
    FROM calls GROUP BY "agentId")
  SELECT ${COMMON}, per."at", per."failed", per."runIds" FROM b LEFT JOIN per ON per."agentId" = b."agentId"`;

/** Looping runs of each agent active within its longest window, newest first. */
const LOOPS_SQL = `WITH ${breakersCte("LOOPS")},
  ag AS (SELECT "agentId", GREATEST(min(ws), $2::timestamp - make_interval(mins => max(n))) AS since FROM b GROUP BY "agentId"),
  per AS MATERIALIZED (
    SELECT ag."agentId", array_agg(${epochMs(`r."lastStepAt"`)} ORDER BY r."lastStepAt" DESC) AS "at", array_agg(r."id" ORDER BY r."lastStepAt" DESC) AS "runIds"
    FROM ag CROSS JOIN LATERAL (
      SELECT r."id", r."lastStepAt" FROM "Run" r
      WHERE r."agentId" = ag."agentId" AND r."flagLoop" AND r."lastStepAt" >= ag.since ORDER BY r."lastStepAt" DESC LIMIT 1000) r
    GROUP BY ag."agentId")
  SELECT ${COMMON}, per."at", per."runIds" FROM b LEFT JOIN per ON per."agentId" = b."agentId"`;

/** What each agent's daily rollup holds from $4 (a day) on: the spend bound's reference. */
const DAYS_CTE = `d AS MATERIALIZED (
    SELECT x."agentId", array_agg(x."day" ORDER BY x."day") AS "days", array_agg(x.cost ORDER BY x."day") AS "dayCosts"
    FROM (SELECT sd."agentId", to_char(sd."day", 'YYYY-MM-DD') AS "day", sum(sd."costUsd")::float8 AS cost
          FROM "SpendDaily" sd WHERE sd."agentId" IN (SELECT "agentId" FROM b) AND sd."day" >= $4::date GROUP BY 1, 2) x
    GROUP BY x."agentId")`;

/**
 * Spend since each breaker's start (an hour ago, or its window start if later): a run that started after it counts
 * whole (its total), an older one still active counts its billable steps since then. With the rollup, in one snapshot.
 */
const SPEND_SQL = `WITH ${breakersCte("SPEND_HOUR")},
  h AS (SELECT DISTINCT "agentId", GREATEST(ws, $2::timestamp - interval '1 hour') AS h FROM b),
  runs AS (
    SELECT h."agentId", h.h, r."id", r."lastStepAt",
           CASE WHEN r."startedAt" >= h.h THEN r."costUsd"
                ELSE (SELECT COALESCE(sum(st."costUsd"), 0) FROM "Step" st
                      WHERE st."runId" = r."id" AND st."startedAt" >= h.h AND st."costUsd" IS NOT NULL AND st."kind" <> 'AGENT') END AS cost
    FROM h JOIN "Run" r ON r."agentId" = h."agentId" AND r."lastStepAt" >= h.h),
  s AS MATERIALIZED (
    SELECT h."agentId", h.h, COALESCE(sum(runs.cost), 0)::float8 AS spend,
           (array_agg(runs."id" ORDER BY runs."lastStepAt" DESC) FILTER (WHERE runs.cost > 0))[1:20] AS "runIds"
    FROM h LEFT JOIN runs ON runs."agentId" = h."agentId" AND runs.h = h.h GROUP BY h."agentId", h.h),
  ${DAYS_CTE}
  SELECT ${COMMON}, s.spend, s."runIds", d."days", d."dayCosts"
  FROM b JOIN s ON s."agentId" = b."agentId" AND s.h = GREATEST(b.ws, $2::timestamp - interval '1 hour')
  LEFT JOIN d ON d."agentId" = b."agentId"`;

/** The latest decided (approved or rejected) escalations of each breaker's agent since its start, newest first. */
const REJECTIONS_SQL = `WITH ${breakersCte("ESCALATIONS_REJECTED")},
  per AS MATERIALIZED (
    SELECT b."id", array_agg(e."status" = 'REJECTED' ORDER BY e."decidedAt" DESC) AS "rejected", array_agg(e."runId" ORDER BY e."decidedAt" DESC) AS "runIds"
    FROM b CROSS JOIN LATERAL (
      SELECT e."status", e."runId", e."decidedAt" FROM "Escalation" e
      WHERE e."agentId" = b."agentId" AND e."status" IN ('APPROVED', 'REJECTED') AND e."decidedAt" >= b.ws
      ORDER BY e."decidedAt" DESC LIMIT b.n) e
    GROUP BY b."id")
  SELECT ${COMMON}, per."rejected", per."runIds" FROM b LEFT JOIN per ON per."id" = b."id"`;

/** The oldest running runs of each breaker's agent started since its start, with how long they have run. */
const RUN_DURATION_SQL = `WITH ${breakersCte("RUN_DURATION")},
  per AS MATERIALIZED (
    SELECT b."id", array_agg(r."id" ORDER BY r."startedAt") AS "runIds",
           array_agg(((extract(epoch FROM $2::timestamp) - extract(epoch FROM r."startedAt")) / 60)::float8 ORDER BY r."startedAt") AS "minutes"
    FROM b CROSS JOIN LATERAL (
      SELECT r."id", r."startedAt" FROM "Run" r
      WHERE r."agentId" = b."agentId" AND r."status" = 'RUNNING' AND r."startedAt" >= b.ws ORDER BY r."startedAt" LIMIT 20) r
    GROUP BY b."id")
  SELECT ${COMMON}, per."runIds", per."minutes" FROM b LEFT JOIN per ON per."id" = b."id"`;

interface CommonRow {
  id: string;
  agentId: string;
  mode: "OBSERVE" | "ENFORCE";
  state: "CLOSED" | "OPEN" | "HALF_OPEN";
  enabled: boolean;
  coolDownMinutes: number;
  lastFiredAt: Date | null;
  windowStartedAt: Date | null;
  agentStatus: "ACTIVE" | "PAUSED" | "TRIPPED";
  lastValue: number | null;
  lastEvaluatedAt: Date | null;
  since: Date | null;
}

function readingOf(row: CommonRow): BreakerReading {
  return {
    id: row.id,
    agentId: row.agentId,
    mode: row.mode,
    state: row.state,
    enabled: row.enabled,
    coolDownMinutes: row.coolDownMinutes,
    lastFiredAt: row.lastFiredAt,
    windowStartedAt: row.windowStartedAt,
    agentStatus: row.agentStatus,
    lastValue: row.lastValue,
    lastEvaluatedAt: row.lastEvaluatedAt,
    since: row.since,
  };
}

/** The `n` each statement groups by: the window of calls, the window in minutes, the streak length. */
function nOf(rule: BreakerRule): number {
  switch (rule.condition) {
    case "TOOL_ERROR_RATE":
      return rule.params.window;
    case "LOOPS":
      return rule.params.windowMinutes;
    case "ESCALATIONS_REJECTED":
      return rule.params.count;
    default:
      return 0;
  }
}

const iso = (d: Date) => d.toISOString();
const dayOf = (d: Date) => d.toISOString().slice(0, 10);
const sinceMs = (r: BreakerReading) => r.since?.getTime() ?? -Infinity;

async function run<R extends CommonRow>(tx: Tx, connection: Connection, sql: string, breakers: readonly CachedBreaker[], now: Date, options: EvaluateOptions, extra: unknown[] = []): Promise<R[]> {
  const input = JSON.stringify(breakers.map((b) => ({ id: b.id, n: nOf(b) })));
  return bulkQuery<R>(tx, connection, sql, [new JsonPayload(input), iso(now), options.eligibleOnly, ...extra]);
}

// ───────────── The spend bound (per instance) ─────────────

interface SpendBaseline {
  since: number;
  spend: number;
  days: Map<string, number>;
  at: number;
}

const BASELINE_MAX_AGE_MS = 60_000;
const baselines = new Map<string, SpendBaseline>();

const daysMap = (days: string[] | null, costs: number[] | null) => new Map((days ?? []).map((d, i) => [d, costs?.[i] ?? 0]));

/** An upper bound of the spend now, or null without a usable baseline. */
export function spendUpperBound(baseline: SpendBaseline | undefined, since: number, now: number, days: Map<string, number>, batchSpend: number): number | null {
  if (!baseline || baseline.since !== since || now - baseline.at > BASELINE_MAX_AGE_MS) return null;
  let added = 0;
  for (const [day, cost] of days) added += Math.max(0, cost - (baseline.days.get(day) ?? 0));
  return baseline.spend + added + batchSpend;
}

/** Forgets this instance's spend baselines (tests). */
export function forgetSpendBaselines(): void {
  baselines.clear();
}

// ───────────── One kind ─────────────

/** Measures these breakers (all of one condition) now; in a transaction or not (`tx` may be the client). */
export async function evaluateKind(tx: Tx, connection: Connection, condition: BreakerConditionName, breakers: readonly CachedBreaker[], now: Date, options: EvaluateOptions): Promise<Evaluation[]> {
  const mine = breakers.filter((b) => b.condition === condition);
  if (mine.length === 0) return [];
  const byId = new Map(mine.map((b) => [b.id, b]));
  const out: Evaluation[] = [];
  const push = (row: CommonRow, measure: Measure | null) => {
    const breaker = byId.get(row.id);
    if (breaker) out.push({ breaker, reading: readingOf(row), measure });
  };
  switch (condition) {
    case "TOOL_ERROR_RATE": {
      const rows = await run<CommonRow & { at: number[] | null; failed: boolean[] | null; runIds: string[] | null }>(tx, connection, TOOL_ERROR_RATE_SQL, mine, now, options);
      for (const row of rows) {
        const b = byId.get(row.id);
        if (b?.condition !== "TOOL_ERROR_RATE") continue;
        const since = row.since?.getTime() ?? -Infinity;
        const calls = (row.at ?? []).flatMap((at, i) => (at >= since ? [{ failed: row.failed![i]!, runId: row.runIds![i]! }] : []));
        push(row, measureToolErrorRate(b.params, calls));
      }
      break;
    }
    case "LOOPS": {
      const rows = await run<CommonRow & { at: number[] | null; runIds: string[] | null }>(tx, connection, LOOPS_SQL, mine, now, options);
      for (const row of rows) {
        const b = byId.get(row.id);
        if (b?.condition !== "LOOPS") continue;
        const since = Math.max(row.since?.getTime() ?? -Infinity, now.getTime() - b.params.windowMinutes * 60_000);
        push(row, measureLoops(b.params, (row.at ?? []).flatMap((at, i) => (at >= since ? [row.runIds![i]!] : []))));
      }
      break;
    }
    case "SPEND_HOUR":
      out.push(...(await evaluateSpend(tx, connection, mine, now, options)));
      break;
    case "ESCALATIONS_REJECTED": {
      const rows = await run<CommonRow & { rejected: boolean[] | null; runIds: (string | null)[] | null }>(tx, connection, REJECTIONS_SQL, mine, now, options);
      for (const row of rows) {
        const b = byId.get(row.id);
        if (b?.condition !== "ESCALATIONS_REJECTED") continue;
        push(row, measureRejections(b.params, (row.rejected ?? []).map((rejected, i) => ({ rejected, runId: row.runIds?.[i] ?? null }))));
      }
      break;
    }
    case "RUN_DURATION": {
      const rows = await run<CommonRow & { runIds: string[] | null; minutes: number[] | null }>(tx, connection, RUN_DURATION_SQL, mine, now, options);
      for (const row of rows) {
        const b = byId.get(row.id);
        if (b?.condition !== "RUN_DURATION") continue;
        push(row, measureRunDuration(b.params, (row.runIds ?? []).map((runId, i) => ({ runId, minutes: row.minutes![i]! }))));
      }
      break;
    }
  }
  return out;
}

type SpendRow = CommonRow & { spend: number; runIds: string[] | null; days: string[] | null; dayCosts: number[] | null };

/** The exact spend since each breaker's start (and the rollup beside it, the next bound's baseline). */
async function evaluateSpend(tx: Tx, connection: Connection, breakers: readonly CachedBreaker[], now: Date, options: EvaluateOptions): Promise<Evaluation[]> {
  const byId = new Map(breakers.map((b) => [b.id, b]));
  const t = now.getTime();
  const rows = await run<SpendRow>(tx, connection, SPEND_SQL, breakers, now, options, [dayOf(new Date(t - 3_600_000))]);
  if (baselines.size > 10_000) baselines.clear();
  const out: Evaluation[] = [];
  for (const row of rows) {
    const b = byId.get(row.id);
    if (b?.condition !== "SPEND_HOUR") continue;
    const reading = readingOf(row);
    baselines.set(row.id, { since: sinceMs(reading), spend: row.spend, days: daysMap(row.days, row.dayCosts), at: t });
    out.push({ breaker: b, reading, measure: measureSpend(b.params, row.spend, row.runIds ?? []) });
  }
  return out;
}

// ───────────── A batch: one statement for the common case ─────────────

/**
 * What the hook needs of a batch in one statement: which agent each of its runs belongs to, the fresh state of
 * those agents' breakers of the conditions the batch can move (only those that could fire), and for spend
 * breakers the agents' daily rollup from an hour ago on (the bound's input). Times as epoch milliseconds.
 */
const BATCH_STATE_SQL = `WITH runs AS (SELECT "id", "traceId", "agentId" FROM "Run" WHERE "id" = ANY($1::text[]) AND "agentId" IS NOT NULL),
  b AS (
    SELECT b."id", b."agentId", b."name", b."condition"::text AS "condition", b."params", b."mode"::text AS "mode", b."state"::text AS "state",
           b."enabled", b."coolDownMinutes", a."status"::text AS "agentStatus", b."lastValue",
           ${epochMs(`b."lastFiredAt"`)} AS "lastFiredAt", ${epochMs(`b."windowStartedAt"`)} AS "windowStartedAt", ${epochMs(`b."lastEvaluatedAt"`)} AS "lastEvaluatedAt",
           ${epochMs(`NULLIF(GREATEST(COALESCE(b."windowStartedAt", '-infinity'::timestamp),
                     COALESCE(CASE WHEN a."status" = 'ACTIVE' THEN a."statusChangedAt" END, '-infinity'::timestamp)), '-infinity'::timestamp)`)} AS "since"
    FROM "Breaker" b JOIN "Agent" a ON a."id" = b."agentId"
    WHERE b."agentId" IN (SELECT "agentId" FROM runs) AND b."enabled" AND b."condition"::text = ANY($2::text[])
      AND b."state" <> 'OPEN' AND (b."mode" = 'OBSERVE' OR a."status" = 'ACTIVE')),
  d AS (
    SELECT sd."agentId", to_char(sd."day", 'YYYY-MM-DD') AS "day", sum(sd."costUsd")::float8 AS cost
    FROM "SpendDaily" sd WHERE sd."agentId" IN (SELECT "agentId" FROM b WHERE "condition" = 'SPEND_HOUR') AND sd."day" >= $3::date GROUP BY 1, 2)
  SELECT (SELECT COALESCE(json_agg(json_build_object('id', "id", 'traceId', "traceId", 'agentId', "agentId")), '[]'::json) FROM runs) AS "runs",
         (SELECT COALESCE(json_agg(row_to_json(b)), '[]'::json) FROM b) AS "breakers",
         (SELECT COALESCE(json_agg(row_to_json(d)), '[]'::json) FROM d) AS "days"`;

interface BatchBreakerRow {
  id: string;
  agentId: string;
  name: string;
  condition: string;
  params: unknown;
  mode: "OBSERVE" | "ENFORCE";
  state: "CLOSED" | "OPEN" | "HALF_OPEN";
  enabled: boolean;
  coolDownMinutes: number;
  agentStatus: "ACTIVE" | "PAUSED" | "TRIPPED";
  lastValue: number | null;
  lastFiredAt: number | null;
  windowStartedAt: number | null;
  lastEvaluatedAt: number | null;
  since: number | null;
}

export interface BatchState {
  /** Trace id → agent id and → run id, for the batch's runs. */
  agentOfTrace: Map<string, string>;
  runOfTrace: Map<string, string>;
  breakers: { breaker: CachedBreaker; reading: BreakerReading }[];
  /** Agent id → day → the daily rollup's cost (spend breakers' agents only). */
  days: Map<string, Map<string, number>>;
}

const dateOrNull = (ms: number | null) => (ms === null ? null : new Date(ms));

export async function readBatchState(tx: Tx, connection: Connection, runIds: readonly string[], conditions: readonly BreakerConditionName[], now: Date): Promise<BatchState> {
  const [row] = await bulkQuery<{ runs: { id: string; traceId: string; agentId: string }[]; breakers: BatchBreakerRow[]; days: { agentId: string; day: string; cost: number }[] }>(
    tx,
    connection,
    BATCH_STATE_SQL,
    [runIds, conditions, dayOf(new Date(now.getTime() - 3_600_000))],
  );
  const agentOfTrace = new Map((row?.runs ?? []).map((r) => [r.traceId, r.agentId]));
  const runOfTrace = new Map((row?.runs ?? []).map((r) => [r.traceId, r.id]));
  const breakers: BatchState["breakers"] = [];
  for (const b of row?.breakers ?? []) {
    const rule = ruleOf(b.condition, b.params);
    if (!rule) continue;
    breakers.push({
      breaker: { id: b.id, agentId: b.agentId, name: b.name, mode: b.mode, coolDownMinutes: b.coolDownMinutes, ...rule } as CachedBreaker,
      reading: {
        id: b.id,
        agentId: b.agentId,
        mode: b.mode,
        state: b.state,
        enabled: b.enabled,
        coolDownMinutes: b.coolDownMinutes,
        lastFiredAt: dateOrNull(b.lastFiredAt),
        windowStartedAt: dateOrNull(b.windowStartedAt),
        agentStatus: b.agentStatus,
        lastValue: b.lastValue,
        lastEvaluatedAt: dateOrNull(b.lastEvaluatedAt),
        since: dateOrNull(b.since),
      },
    });
  }
  const days = new Map<string, Map<string, number>>();
  for (const d of row?.days ?? []) {
    const m = days.get(d.agentId) ?? new Map<string, number>();
    m.set(d.day, d.cost);
    days.set(d.agentId, m);
  }
  return { agentOfTrace, runOfTrace, breakers, days };
}

/** A batch tool call, as the fast path reads it. */
export interface BatchCall {
  at: number;
  failed: boolean;
  traceId: string;
}

/**
 * The tool error rate from the batch alone, when the batch holds at least the window's worth of the agent's calls
 * since the breaker's start (and no re-sent span): its newest calls are the window. Null: the stored calls are needed.
 */
export function toolErrorRateFromBatch(breaker: CachedBreaker & { condition: "TOOL_ERROR_RATE" }, reading: BreakerReading, calls: readonly BatchCall[], runIdOf: (traceId: string) => string): Measure | null {
  const since = sinceMs(reading);
  const window = calls.filter((c) => c.at >= since);
  if (window.length < breaker.params.window) return null;
  return measureToolErrorRate(breaker.params, window.slice(0, breaker.params.window).map((c) => ({ failed: c.failed, runId: runIdOf(c.traceId) })));
}

/** Whether the spend bound clears a spend breaker (it cannot have crossed), from the batch state. */
export function spendCleared(breaker: CachedBreaker & { condition: "SPEND_HOUR" }, reading: BreakerReading, days: Map<string, number> | undefined, batchSpend: number, now: Date): boolean {
  const bound = spendUpperBound(baselines.get(breaker.id), sinceMs(reading), now.getTime(), days ?? new Map(), batchSpend);
  return bound !== null && bound <= breaker.params.limitUsd;
}

