/**
 * The spend benchmark's questions asked of the raw steps — what `GET
 * /api/v1/spend?groupBy=team|model` answers from the rollup (lib/spend/report.ts
 * getSpendJson), written as the fair equivalent over Step (and Run, for the
 * team) with the indexes the migrations create: the same measures, the same
 * UTC days, the same grand total (the empty grouping set), the same unpriced
 * models, as two statements sent at once like getSpendJson's two. Also: the
 * comparison of both answers (the benchmark fails on any difference), the
 * app's own statements captured at pg's `Client.query` so they can be replayed
 * and explained, and the timing loop.
 */
import pg from "pg";
import type { SpendReportJson } from "../../lib/spend/report-schema";
import type { Statement } from "../../tests/support/statements";

export type SpendGroupBy = "team" | "model";

/** The calls of UTC days [$1, $2]: Step.startedAt is a UTC timestamp (timestamp(3) without time zone). */
const IN_RANGE = `s.kind = 'LLM_CALL' AND s."startedAt" >= $1::date AND s."startedAt" < $2::date + 1`;

const MEASURES = `count(*)::float8 AS calls, count(*) FILTER (WHERE s.unpriced)::float8 AS unpriced,
  coalesce(sum(s."inputTokens"), 0)::float8 AS input, coalesce(sum(s."outputTokens"), 0)::float8 AS output,
  coalesce(sum(s."cachedInputTokens"), 0)::float8 AS cached, coalesce(sum(s."costUsd"), 0)::numeric(30, 9)::text AS cost`;

/** Per group and in total (gid NULL); the team's name looked up per group as the rollup query does. */
export const RAW_GROUPED: Record<SpendGroupBy, string> = {
  team: `SELECT g.*, (SELECT t.name FROM "Team" t WHERE t.id = g.gid) AS name
    FROM (
      SELECT coalesce(r."teamId", '') AS gid, ${MEASURES}
      FROM "Step" s JOIN "Run" r ON r.id = s."runId"
      WHERE ${IN_RANGE}
      GROUP BY GROUPING SETS ((coalesce(r."teamId", '')), ())
    ) g`,
  model: `SELECT coalesce(s.model, '') AS gid, ${MEASURES}, NULL::text AS name
    FROM "Step" s
    WHERE ${IN_RANGE}
    GROUP BY GROUPING SETS ((coalesce(s.model, '')), ())`,
};

export const RAW_UNPRICED = `SELECT coalesce(s.model, '') AS model, count(*)::float8 AS calls
  FROM "Step" s
  WHERE ${IN_RANGE} AND s.unpriced
  GROUP BY 1
  ORDER BY calls DESC, 1`;

/**
 * The cost per outcome by prompt version asked of the steps, as getCostPerOutcome asked it before
 * RunPromptVersion: the runs started in UTC days [$1, $2] whose LLM calls used each (prompt, version).
 */
export const RAW_OUTCOME_BY_VERSION = `
  WITH runs AS (
    SELECT r.id, r.outcome, r."costUsd", r."unpricedCount" FROM "Run" r WHERE r."startedAt" >= $1::date AND r."startedAt" < $2::date + 1
  ), uses AS (
    SELECT DISTINCT s."runId", s."promptName" AS gid, coalesce(s."promptVersion", 0) AS gver
    FROM runs JOIN "Step" s ON s."runId" = runs.id
    WHERE s.kind = 'LLM_CALL' AND s."promptName" IS NOT NULL AND s."promptName" <> ''
  )
  SELECT u.gid, u.gver, count(*)::int AS runs, count(*) FILTER (WHERE runs.outcome = 'SUCCESS')::int AS successes,
    count(*) FILTER (WHERE runs."unpricedCount" > 0)::int AS unpriced_runs, coalesce(sum(runs."costUsd"), 0)::numeric(30, 9)::text AS run_cost
  FROM uses u JOIN runs ON runs.id = u."runId"
  GROUP BY 1, 2
  ORDER BY 1, 2 DESC`;

export interface OutcomeRow {
  name: string;
  version: number;
  runs: number;
  successes: number;
  unpricedRuns: number;
  runCostUsd: string;
}

export async function rawOutcomeByVersion(pool: pg.Pool, from: string, to: string): Promise<OutcomeRow[]> {
  const { rows } = await pool.query<{ gid: string; gver: number; runs: number; successes: number; unpriced_runs: number; run_cost: string }>(RAW_OUTCOME_BY_VERSION, [from, to]);
  return rows.map((r) => ({ name: r.gid, version: r.gver, runs: r.runs, successes: r.successes, unpricedRuns: r.unpriced_runs, runCostUsd: r.run_cost }));
}

/** Every difference between the app's per-version rows (those with runs) and the steps' answer. */
export function outcomeDifferences(app: OutcomeRow[], raw: OutcomeRow[]): string[] {
  const key = (r: OutcomeRow) => `${r.name}@${r.version}`;
  const text = (r: OutcomeRow | undefined) => (r ? `${r.runs} runs, ${r.successes} successes, ${r.unpricedRuns} unpriced, $${r.runCostUsd}` : "absent");
  const mine = new Map(app.filter((r) => r.runs > 0).map((r) => [key(r), r]));
  const theirs = new Map(raw.map((r) => [key(r), r]));
  const problems: string[] = [];
  for (const k of new Set([...mine.keys(), ...theirs.keys()])) {
    if (text(mine.get(k)) !== text(theirs.get(k))) problems.push(`${k}: app ${text(mine.get(k))}, steps ${text(theirs.get(k))}`);
  }
  return problems;
}

/** hourlySpend's question as it was asked before its windows had literal bounds (one statement over a series: $1 = now). */
export const RAW_HOURLY_SPEND = `
  SELECT r."agentId", w.d, SUM(s."costUsd")::text AS cost
  FROM generate_series(0, 7) AS w(d)
  JOIN "Step" s ON s."kind" = 'LLM_CALL'
    AND s."startedAt" >= $1::timestamp - make_interval(days => w.d, hours => 1)
    AND s."startedAt" <  $1::timestamp - make_interval(days => w.d)
  JOIN "Run" r ON r."id" = s."runId"
  WHERE r."agentId" IS NOT NULL AND s."costUsd" IS NOT NULL
  GROUP BY r."agentId", w.d`;

/** The same rows as text lines, sorted, for comparison. */
export const hourlyLines = (rows: { agentId: string; lastUsd: number; baselineUsd: number[] }[]) =>
  rows.map((r) => `${r.agentId} ${r.lastUsd} ${r.baselineUsd.join(" ")}`).sort();

interface RawRow {
  gid: string | null;
  name: string | null;
  calls: number;
  unpriced: number;
  input: number;
  output: number;
  cached: number;
  cost: string;
}

export interface RawAnswer {
  rows: RawRow[];
  unpricedModels: { model: string; calls: number }[];
}

/** The question of the raw steps, both statements at once (as getSpendJson sends its two). */
export async function rawSpend(pool: pg.Pool, groupBy: SpendGroupBy, from: string, to: string): Promise<RawAnswer> {
  const [grouped, unpriced] = await Promise.all([
    pool.query<RawRow>(RAW_GROUPED[groupBy], [from, to]),
    pool.query<{ model: string; calls: number }>(RAW_UNPRICED, [from, to]),
  ]);
  return { rows: grouped.rows, unpricedModels: unpriced.rows };
}

type Measures = SpendReportJson["total"];

const measuresOf = (r: RawRow): Measures => ({
  calls: r.calls,
  inputTokens: r.input,
  outputTokens: r.output,
  cachedInputTokens: r.cached,
  costUsd: Number(r.cost),
  unpricedCalls: r.unpriced,
});

/**
 * The differences between the rollup's answer and the raw steps' (empty when they agree): every group by its key
 * (team name or model, "" for none), every measure, the total, the unpriced models. Costs are compared as the API
 * gives them (numbers converted from the same exact decimals); the exact decimal totals are compared in SQL too.
 */
export function differences(json: SpendReportJson, raw: RawAnswer): string[] {
  const problems: string[] = [];
  const compare = (what: string, a: Measures, b: Measures) => {
    for (const k of Object.keys(b) as (keyof Measures)[]) if (a[k] !== b[k]) problems.push(`${what} ${k}: rollup ${a[k]}, steps ${b[k]}`);
  };
  const rawGroups = new Map(raw.rows.filter((r) => r.gid !== null).map((r) => [json.groupBy === "team" ? (r.gid === "" ? "" : (r.name ?? r.gid!)) : r.gid!, r]));
  const rollupGroups = new Map(json.rows.map((r) => [r.key, r]));
  for (const key of new Set([...rawGroups.keys(), ...rollupGroups.keys()])) {
    const a = rollupGroups.get(key);
    const b = rawGroups.get(key);
    if (!a || !b) problems.push(`group "${key}" only in the ${a ? "rollup" : "steps"}`);
    else compare(`group "${key}"`, { calls: a.calls, inputTokens: a.inputTokens, outputTokens: a.outputTokens, cachedInputTokens: a.cachedInputTokens, costUsd: a.costUsd, unpricedCalls: a.unpricedCalls }, measuresOf(b));
  }
  const total = raw.rows.find((r) => r.gid === null);
  if (!total) problems.push("no total row from the steps");
  else compare("total", json.total, measuresOf(total));
  if (JSON.stringify(json.unpricedModels) !== JSON.stringify(raw.unpricedModels)) {
    problems.push(`unpriced models: rollup ${JSON.stringify(json.unpricedModels)}, steps ${JSON.stringify(raw.unpricedModels)}`);
  }
  return problems;
}

/** `EXPLAIN (ANALYZE, BUFFERS)` of a statement, as text. */
export async function explain(pool: pg.Pool, statement: Statement): Promise<string> {
  const { rows } = await pool.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${statement.text}`, statement.values);
  return rows.map((r) => r["QUERY PLAN"]).join("\n");
}

/** `warmup` untimed calls, then `n` timed ones in turn: milliseconds, sorted. */
export async function timed(n: number, warmup: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return samples.sort((a, b) => a - b);
}
